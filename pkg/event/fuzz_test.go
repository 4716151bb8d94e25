package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/event"
)

// FuzzUnmarshal feeds the decoder arbitrary bytes, starting from every
// example of the schemas. Unmarshal must never panic, must report every
// failure as ErrMalformed, and whatever it accepts must survive a round trip:
// Marshal, then Unmarshal again, gives the same envelope and the same data,
// and marshalling that again gives the same bytes.
func FuzzUnmarshal(f *testing.F) {
	for _, ex := range allExamples(f) {
		f.Add(ex)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, data, err := event.Unmarshal(b)
		if err != nil {
			if !errors.Is(err, event.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		out, err := event.Marshal(env)
		if err != nil {
			t.Fatalf("Marshal of an accepted envelope: %v", err)
		}
		env2, data2, err := event.Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal of a re-marshalled envelope: %v\ninput %q\nre-marshalled %s", err, b, out)
		}
		if !sameEnvelope(t, env, env2) {
			t.Fatalf("envelope changed in a round trip:\nfirst  %+v\nsecond %+v", env, env2)
		}
		if !reflect.DeepEqual(data, data2) {
			t.Fatalf("data changed in a round trip:\nfirst  %#v\nsecond %#v", data, data2)
		}
		out2, err := event.Marshal(env2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshalling is not stable:\nfirst  %s\nsecond %s", out, out2)
		}
	})
}

// sameEnvelope compares two envelopes attribute by attribute: the time as an
// instant with its zone offset, the data as a JSON value (Marshal compacts
// it).
func sameEnvelope(t *testing.T, a, b event.Envelope) bool {
	t.Helper()
	_, offA := a.Time.Zone()
	_, offB := b.Time.Zone()
	var da, db any
	if err := json.Unmarshal(a.Data, &da); err != nil {
		t.Fatalf("data of an accepted envelope is not JSON: %v", err)
	}
	if err := json.Unmarshal(b.Data, &db); err != nil {
		t.Fatalf("data of a re-marshalled envelope is not JSON: %v", err)
	}
	sameTime := offA == offB && a.Time.Equal(b.Time)
	a.Time, b.Time = time.Time{}, time.Time{} // compared as instants
	a.Data, b.Data = nil, nil                 // compared as JSON values
	return sameTime && reflect.DeepEqual(a, b) && reflect.DeepEqual(da, db)
}

// unmarshalV1 is what Unmarshal did with encoding/json: strict decoding
// (unknown fields are errors) of the envelope and of its data, each
// validated.
func unmarshalV1(b []byte) (event.Envelope, event.Data, error) {
	strict := func(b []byte, v any) error {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return err
		}
		if _, err := dec.Token(); err != io.EOF {
			return errors.New("trailing data")
		}
		return nil
	}
	var e event.Envelope
	if err := strict(b, &e); err != nil {
		return event.Envelope{}, nil, err
	}
	if err := e.Validate(); err != nil {
		return event.Envelope{}, nil, err
	}
	d, err := event.NewData(e.Type)
	if err != nil {
		return event.Envelope{}, nil, err
	}
	if err := strict(e.Data, d); err != nil {
		return event.Envelope{}, nil, err
	}
	if err := d.Validate(); err != nil {
		return event.Envelope{}, nil, err
	}
	return e, d, nil
}

// FuzzUnmarshalAgainstV1 checks that the decoder accepts nothing that
// encoding/json's strict decoding refused, and decodes what it accepts to
// the same envelope and data. (It refuses more: names whose case differs,
// a name twice, invalid UTF-8; Marshal writes none of them.)
func FuzzUnmarshalAgainstV1(f *testing.F) {
	for _, ex := range allExamples(f) {
		f.Add(ex)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, data, err := event.Unmarshal(b)
		if err != nil {
			return
		}
		env1, data1, err := unmarshalV1(b)
		if err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v):\n%s", err, b)
		}
		if !sameEnvelope(t, env, env1) || !bytes.Equal(env.Data, env1.Data) {
			t.Fatalf("envelope differs from encoding/json's:\n%+v\n%+v", env, env1)
		}
		if !reflect.DeepEqual(data, data1) {
			t.Fatalf("data differs from encoding/json's:\n%#v\n%#v", data, data1)
		}
	})
}

// TestUnmarshalStricterThanV1 shows the cases the decoder refuses that
// encoding/json accepted, and that a malformed event is an ErrMalformed
// naming the problem, never a panic.
func TestUnmarshalStricterThanV1(t *testing.T) {
	ex := allExamples(t)[0]
	if _, _, err := event.Unmarshal(ex); err != nil {
		t.Fatalf("example refused: %v", err)
	}
	for _, c := range []struct {
		name, old, new string
	}{
		{"name in another case", `"specversion"`, `"SpecVersion"`},
		{"a name twice", `"specversion":"1.0"`, `"specversion":"1.0","specversion":"1.0"`},
		{"unknown member", `"specversion":"1.0"`, `"specversion":"1.0","extra":1`},
		{"trailing data", `}` + "\x00", `}}`},
	} {
		b := []byte(strings.Replace(string(ex)+"\x00", c.old, c.new, 1))
		b = bytes.TrimSuffix(b, []byte{0})
		if bytes.Equal(b, ex) {
			t.Fatalf("%s: the example has no %s", c.name, c.old)
		}
		_, _, err := event.Unmarshal(b)
		if !errors.Is(err, event.ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", c.name, err)
		}
	}
	for _, b := range []string{"", "{", "null", "[]", `{"data":`, "\xff"} {
		if _, _, err := event.Unmarshal([]byte(b)); !errors.Is(err, event.ErrMalformed) {
			t.Errorf("Unmarshal(%q): error %v, want ErrMalformed", b, err)
		}
	}
}
