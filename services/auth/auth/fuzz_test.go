package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseToken: the parser accepts exactly what formatToken makes, never
// panics, and its errors never repeat the secret part. The seed corpus
// runs with the normal tests; `make fuzz` explores further.
func FuzzParseToken(f *testing.F) {
	good := formatToken(strings.Repeat("ab", 16), bytes.Repeat([]byte{0xfe}, 32))
	for _, s := range []string{
		good, good[:len(good)-1], good + "A", strings.ToUpper(good), strings.Replace(good, "_", "-", 1),
		"ssp_", "ssp__", "ssp_" + strings.Repeat("a", 32) + "_", "ssp_" + strings.Repeat("g", 32) + "_" + strings.Repeat("A", 43),
		"ssp_" + strings.Repeat("a", 32) + "_" + strings.Repeat("A", 42) + "B", // non-zero padding bits
		"ssp_" + strings.Repeat("a", 32) + "_" + strings.Repeat("_", 43), "", "Bearer ssp_x", "eyJ.eyJ.sig",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := parseToken(s)
		if err != nil {
			if !errors.Is(err, ErrCredential) {
				t.Fatalf("error does not wrap ErrCredential: %v", err)
			}
			if rest := len(TokenPrefix) + 33; len(s) >= rest+8 && strings.Contains(err.Error(), s[rest:]) {
				t.Fatalf("error repeats the secret: %v", err)
			}
			return
		}
		if got := formatToken(id, secret); got != s {
			t.Fatalf("parsed %q into %q, %x, which formats as %q", s, id, secret, got)
		}
		if !idPattern.MatchString(id) || len(secret) != secretBytes {
			t.Fatalf("id %q, %d-byte secret", id, len(secret))
		}
	})
}
