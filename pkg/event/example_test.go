package event_test

import (
	"fmt"

	"github.com/samspill/samspill/pkg/event"
)

// A consumer decodes an event from the stream: Unmarshal checks the envelope
// and the data against the contract and returns the typed data. The actor's
// name is sealed (encrypted with the map's key); only its structure is plain.
func ExampleUnmarshal() {
	msg := []byte(`{
	  "specversion": "1.0",
	  "id": "1baa3360-f9f1-5dcc-8201-6076c6ab1071",
	  "source": "/samspill/command",
	  "type": "no.samspill.map.v1.actor_added",
	  "subject": "map/41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65",
	  "time": "2025-03-03T10:21:40.518Z",
	  "datacontenttype": "application/json",
	  "dataschema": "map/v1/actor_added.json",
	  "validtime": "2025-02-24",
	  "commandid": "8aa9af1d-a54a-44df-9a45-996262c63bd5",
	  "principal": "usr:4f9c2d7a1b",
	  "data": {
	    "actorId": "50c42c5f-6183-4911-b163-6176cfcfe8c6",
	    "kind": "service",
	    "level": "service",
	    "sector": "specialist-mh",
	    "name": "s1.Vtmd-gfU_ABqC97xcJ0qfybEkq8EJlU4WRgkBkW5lhpKSTZ79ct3A_I-eQ",
	    "directory": "dps-nordre-aker"
	  }
	}`)
	env, data, err := event.Unmarshal(msg)
	if err != nil {
		fmt.Println(err)
		return
	}
	actor := data.(*event.ActorAdded)
	fmt.Println(env.Type)
	fmt.Println(env.Subject, "from", env.ValidTime)
	fmt.Println(actor.Kind, actor.Sector, actor.Directory)
	// Output:
	// no.samspill.map.v1.actor_added
	// map/41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65 from 2025-02-24
	// service specialist-mh dps-nordre-aker
}
