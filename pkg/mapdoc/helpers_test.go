package mapdoc_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/samspill/samspill/pkg/mapdoc"
)

var loadValidator = sync.OnceValues(mapdoc.NewValidator)

func validator(t testing.TB) *mapdoc.Validator {
	t.Helper()
	v, err := loadValidator()
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generic decodes a document into maps and slices, numbers as json.Number.
func generic(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at walks into a generic document by property names and indices.
func at(v any, steps ...any) any {
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v
}

// obj is at for an object.
func obj(v any, steps ...any) map[string]any { return at(v, steps...).(map[string]any) }

// fieldOrder is the order of the fields in the Go types (and the schema), so
// that mutated test documents keep document order close to canonical.
var fieldOrder = strings.Fields(`schema id focus asOf actors relations coordinator plan participation consent
	directory organisationMap maps kind label municipality region sector level name assessment
	importance influence problemRecognition constraintRecognition involvement public linkage attitude role whatMatters
	from to type quality validFrom validTo contacts formalised trust value inpatient
	actor offered assigned declined status created lastReview date assessedBy`)

// encode writes a generic document with object keys in fieldOrder (unknown
// keys after, sorted), so that document order is predictable.
func encode(v any) []byte {
	var b bytes.Buffer
	encodeTo(&b, v)
	return b.Bytes()
}

func encodeTo(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		rank := func(k string) int {
			if i := slices.Index(fieldOrder, k); i >= 0 {
				return i
			}
			return len(fieldOrder)
		}
		slices.SortFunc(keys, func(a, c string) int {
			if ra, rc := rank(a), rank(c); ra != rc {
				return ra - rc
			}
			return strings.Compare(a, c)
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			encodeTo(b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeTo(b, e)
		}
		b.WriteByte(']')
	default:
		vb, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		b.Write(vb)
	}
}

func readFileErr(name string) ([]byte, error) { return os.ReadFile(name) }
