package event

import (
	"encoding/base64"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The regular expressions of the schemas (schemas/…), which the loops of
// IsUUID, IsSlug, isSource, IsPrincipal and IsMunicipality replace, and
// the decoding that Sealed.Valid counts instead of doing.
var patterns = []struct {
	name string
	re   *regexp.Regexp
	fn   func(string) bool
	// alphabet makes random strings likely to be near misses.
	alphabet string
	seeds    []string
}{
	{"uuid", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`), IsUUID, "0123456789abcdefA-g",
		[]string{"", "6f1c2c47-9f57-4b8e-9d07-0f5d2b4b8a11", "6F1C2C47-9F57-4B8E-9D07-0F5D2B4B8A11", "6f1c2c47-9f57-4b8e-9d07-0f5d2b4b8a1", "6f1c2c47-9f57-4b8e-9d07-0f5d2b4b8a111", "6f1c2c479f57-4b8e-9d07-0f5d2b4b8a11-"}},
	{"slug", regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`), IsSlug, "az09-A_",
		[]string{"", "-", "a", "org-01", "-org", strings.Repeat("a", 64), strings.Repeat("a", 65), "Org"}},
	{"source", regexp.MustCompile(`^/samspill/[a-z0-9/_-]{1,64}$`), isSource, "/samspill/az09_-A.",
		[]string{"", "/samspill/", "/samspill/command", "/samspill/a/b_c-d", "/samspill/" + strings.Repeat("a", 64), "/samspill/" + strings.Repeat("a", 65), "/samspil/x", "/samspill/X"}},
	{"principal", regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`), IsPrincipal, "aZ09._:@-/ ",
		[]string{"", "user:abc", "svc@x.y", strings.Repeat("a", 128), strings.Repeat("a", 129), "a b", "a/b"}},
	{"municipality", regexp.MustCompile(`^[0-9]{3,4}$`), IsMunicipality, "0123456789a",
		[]string{"", "12", "123", "3203", "32031", "32a3"}},
	{"sealed", nil, func(s string) bool { return Sealed(s).Valid() }, "s1.AZaz09-_=+/",
		[]string{"", "s1.", "s1." + strings.Repeat("A", 37), "s1." + strings.Repeat("A", 38), "s1." + strings.Repeat("A", 40), "s1." + strings.Repeat("A", 41), "s2." + strings.Repeat("A", 40), "s1." + strings.Repeat("A", 39) + "="}},
}

// sealedByDecoding is what Sealed.Valid did before it counted: the form
// checked character by character, then decoded.
func sealedByDecoding(s string) bool {
	rest, ok := strings.CutPrefix(s, SealedPrefix)
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil && len(b) >= 12+16
}

func reference(name string, re *regexp.Regexp) func(string) bool {
	if name == "sealed" {
		return sealedByDecoding
	}
	return re.MatchString
}

// TestPatterns checks that each loop accepts exactly what its regular
// expression (or decoding) does, on the seeds and on random strings of
// near-miss characters and lengths around the limits.
func TestPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, p := range patterns {
		ref := reference(p.name, p.re)
		check := func(s string) {
			if got, want := p.fn(s), ref(s); got != want {
				t.Errorf("%s(%q) = %v, the reference says %v", p.name, s, got, want)
			}
		}
		for _, s := range p.seeds {
			check(s)
		}
		accepted := 0
		for range 20000 {
			// Start from a seed and mutate it, or make a string of the alphabet.
			var b []byte
			if r.IntN(2) == 0 {
				b = []byte(p.seeds[r.IntN(len(p.seeds))])
				for range r.IntN(3) + 1 {
					c := p.alphabet[r.IntN(len(p.alphabet))]
					switch i := r.IntN(len(b) + 1); r.IntN(3) {
					case 0:
						b = append(b[:i], append([]byte{c}, b[i:]...)...)
					case 1:
						if i < len(b) {
							b[i] = c
						}
					default:
						if i < len(b) {
							b = append(b[:i], b[i+1:]...)
						}
					}
				}
			} else {
				b = make([]byte, r.IntN(140))
				for i := range b {
					b[i] = p.alphabet[r.IntN(len(p.alphabet))]
				}
			}
			check(string(b))
			if p.fn(string(b)) {
				accepted++
			}
		}
		if accepted == 0 {
			t.Errorf("%s: no random string was accepted; the test does not reach the accepting side", p.name)
		}
	}
}

// FuzzPatterns compares each loop with its reference on arbitrary input.
func FuzzPatterns(f *testing.F) {
	for _, p := range patterns {
		for _, s := range p.seeds {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range patterns {
			if got, want := p.fn(s), reference(p.name, p.re)(s); got != want {
				t.Errorf("%s(%q) = %v, the reference says %v", p.name, s, got, want)
			}
		}
	})
}
