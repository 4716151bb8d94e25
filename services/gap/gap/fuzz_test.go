package gap

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/schemas"
)

// FuzzDecodeTransition feeds the decoder of stored transitions (subject,
// Nats-Msg-Id and payload) arbitrary input, starting from the examples of
// the gap schemas. It must never panic, and whatever it accepts must agree
// with its subject: the gap id, the transition, the municipality and the
// map, with n at least 1.
func FuzzDecodeTransition(f *testing.F) {
	for _, p := range []string{"gap/v1/gap_opened.json", "gap/v1/gap_closed.json"} {
		raw, err := fs.ReadFile(schemas.FS, p)
		if err != nil {
			f.Fatal(err)
		}
		var doc struct{ Examples []json.RawMessage }
		if err := json.Unmarshal(raw, &doc); err != nil {
			f.Fatal(err)
		}
		for _, ex := range doc.Examples {
			_, d, err := event.Unmarshal(ex)
			if err != nil {
				f.Fatal(err)
			}
			var subject string
			switch d := d.(type) {
			case *event.GapOpened:
				subject = Subject(d.Municipality, d.MapID, d.Rule, d.GapID, Opened)
				f.Add(subject, MsgID(d.GapID, 1), []byte(ex))
			case *event.GapClosed:
				subject = Subject(d.Municipality, d.MapID, d.Rule, d.GapID, Closed)
				f.Add(subject, MsgID(d.GapID, 2), []byte(ex))
			}
		}
	}
	f.Add("samspill.gap._.system.S1.0123456789abcdef.opened", "0123456789abcdef:x", []byte(`{}`))
	f.Fuzz(func(t *testing.T, subject, msgID string, data []byte) {
		h := nats.Header{}
		h.Set(jetstream.MsgIDHeader, msgID)
		n, d, err := decodeTransition(subject, h, data)
		if err != nil {
			return
		}
		p, err := ParseSubject(subject)
		if err != nil {
			t.Fatalf("accepted a transition on a malformed subject %q: %v", subject, err)
		}
		if n < 1 || MsgID(p.GapID, n) != msgID {
			t.Fatalf("n %d from Nats-Msg-Id %q", n, msgID)
		}
		var gapID, mun, mapID, tr string
		switch d := d.(type) {
		case *event.GapOpened:
			gapID, mun, mapID, tr = d.GapID, d.Municipality, d.MapID, Opened
		case *event.GapClosed:
			gapID, mun, mapID, tr = d.GapID, d.Municipality, d.MapID, Closed
		default:
			t.Fatalf("accepted %T", d)
		}
		if gapID != p.GapID || tr != p.Transition {
			t.Fatalf("%s %s accepted on subject %s", tr, gapID, subject)
		}
		_, _ = mun, mapID
	})
}
