package command

import (
	"errors"
	"testing"

	"github.com/samspill/samspill/pkg/event"
)

// FuzzDecode drives every command decoder: the first byte picks the
// command, the rest is its body. Decode must never panic, must classify
// every failure as *Error, and a decoded command must survive the
// national-id screen and target resolution without panicking.
func FuzzDecode(f *testing.F) {
	names := Names()
	f.Add(uint8(0), []byte(`{"entryId":"nav-asker","kind":"service","name":"NAV Asker","sector":"welfare-work","municipality":"3203"}`))
	f.Add(uint8(3), []byte(`{"focus":"citizen","label":"Ola N.","municipality":"3203","citizenName":"Ola N."}`))
	f.Add(uint8(5), []byte(`{"mapId":"5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10","kind":"person","level":"service","sector":"primary-health","name":"Dr. Hansen 01019010046"}`))
	f.Add(uint8(7), []byte(`{"mapId":"5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10","from":"a","to":"b","type":"serves","trust":"x"}`))
	f.Add(uint8(9), []byte(`{"validTime":"2026-02-30","expectedVersion":-1}`))
	f.Add(uint8(11), []byte(`{"mapId":null,"level":3}[]`))
	f.Add(uint8(13), []byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		name := names[int(pick)%len(names)]
		c, err := Decode(name, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeMalformed {
				t.Fatalf("%s: error %v is not a malformed *Error", name, err)
			}
			return
		}
		if c.CommandName() != name {
			t.Fatalf("decoded %s as %s", name, c.CommandName())
		}
		if e := screen(c); e != nil && e.Code != CodeNationalID {
			t.Fatalf("screen returned %v", e)
		}
		if c.meta().CommandID == "" {
			c.meta().CommandID = "5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10"
		}
		if event.IsUUID(c.meta().CommandID) {
			_, _ = target(c)
		}
	})
}
