package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
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
