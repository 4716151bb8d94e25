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

// A system that follows coordination gaps decodes them like any event: the
// type says opened or closed, the data names the rule, the map and the
// actors by machine id, and carries the texts in English and bokmål.
func ExampleUnmarshal_gap() {
	msg := []byte(`{
	  "specversion": "1.0",
	  "id": "964fac2a-ddf9-50b7-a265-459675f3f79b",
	  "source": "/samspill/gap",
	  "type": "no.samspill.gap.v1.gap_closed",
	  "subject": "gap/405a100e50cd5544",
	  "time": "2025-06-12T09:41:27.531Z",
	  "datacontenttype": "application/json",
	  "validtime": "2025-06-12",
	  "commandid": "e1c50b73-56c3-54ef-9060-38ca82bf5392",
	  "data": {
	    "gapId": "405a100e50cd5544",
	    "rule": "P1",
	    "scope": "map",
	    "mapId": "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65",
	    "municipality": "0301",
	    "actors": ["1704842c-8163-4326-9061-8468fbe1cdf2", "50c42c5f-6183-4911-b163-6176cfcfe8c6"],
	    "reason": "resolved",
	    "evaluatedAt": "2025-06-12",
	    "position": 64
	  }
	}`)
	_, data, err := event.Unmarshal(msg)
	if err != nil {
		fmt.Println(err)
		return
	}
	switch d := data.(type) {
	case *event.GapOpened:
		fmt.Println("opened", d.Rule, d.MapID, d.Explanation.EN)
	case *event.GapClosed:
		fmt.Println("closed", d.Rule, d.MapID, d.Reason, len(d.Actors), "actors")
	}
	// Output:
	// closed P1 41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65 resolved 2 actors
}
