package mapdoc_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/samspill/samspill/pkg/mapdoc"
)

// FuzzParse checks that Parse never panics, that a refusal is a
// *ValidationError with 1 to MaxProblems problems, and that an accepted
// document written in canonical form parses again to a deeply equal value
// whose canonical form is the same bytes.
func FuzzParse(f *testing.F) {
	for _, name := range []string{exampleMap, exampleBundle} {
		b, err := readFileErr(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema":"samspill.map/v1","id":"0d8f3a52-7c1e-4b6a-8e2f-91a4c5d6e7f8","focus":{"kind":"region","label":"V","region":"v"},"asOf":"2026-01-01","actors":[],"x-a":{"b":[1.5,"c"]}}`))
	f.Add([]byte(`{"schema":"samspill.bundle/v1","directory":[],"maps":[]}`))
	f.Add([]byte(`{"schema":"samspill.map/v1","actors":[{"id":"a","name":"01019010046"}]}`))
	f.Add([]byte(`[[[[{"a":1,"a":2}]]]]`))
	v, err := mapdoc.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, b, err := v.Parse(in)
		if err != nil {
			var ve *mapdoc.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("not a ValidationError: %v", err)
			}
			if n := len(ve.Problems()); n == 0 || n > mapdoc.MaxProblems || ve.Total() < n {
				t.Fatalf("%d problems of %d", n, ve.Total())
			}
			if d != nil || b != nil {
				t.Fatal("a value with an error")
			}
			return
		}
		if (d == nil) == (b == nil) {
			t.Fatalf("document %v, bundle %v", d != nil, b != nil)
		}
		var out []byte
		if d != nil {
			out = mapdoc.Canonical(d)
		} else {
			out = mapdoc.CanonicalBundle(b)
		}
		d2, b2, err := v.Parse(out)
		if err != nil {
			t.Fatalf("canonical form refused: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(d, d2) || !reflect.DeepEqual(b, b2) {
			t.Fatalf("canonical form reads differently:\n%s", out)
		}
		var again []byte
		if d2 != nil {
			again = mapdoc.Canonical(d2)
		} else {
			again = mapdoc.CanonicalBundle(b2)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("canonical form not stable:\n%s\n%s", out, again)
		}
	})
}
