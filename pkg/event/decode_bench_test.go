package event_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
)

// replayMix returns encoded envelopes in the proportions of a citizen map
// (one actor, its serves relation, three contacts, a collaboration).
func replayMix(b *testing.B) [][]byte {
	sealed := event.Sealed("s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	agg := event.MapAggregate(uuid.NewString())
	actor, rel := uuid.NewString(), uuid.NewString()
	data := []event.Data{
		&event.ActorAdded{ActorID: actor, Kind: "service", Level: "service", Sector: "housing", Name: sealed, Directory: "org-01"},
		&event.RelationAdded{RelationID: rel, From: actor, To: uuid.NewString(), Type: "serves", Quality: "good"},
		&event.ContactRecorded{RelationID: rel},
		&event.ContactRecorded{RelationID: rel},
		&event.ContactRecorded{RelationID: rel},
		&event.RelationAdded{RelationID: uuid.NewString(), From: actor, To: uuid.NewString(), Type: "collaborates", Quality: "good"},
	}
	var out [][]byte
	for _, d := range data {
		env, err := event.New(agg, "/samspill/bench", date.MustParse("2026-06-01"), d)
		if err != nil {
			b.Fatal(err)
		}
		env.ID, env.CommandID, env.Time, env.Principal = uuid.NewString(), uuid.NewString(), time.Now(), "user:bench"
		raw, err := event.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// BenchmarkUnmarshal measures decoding and validating one stored event, as
// every follower does for every record it reads.
func BenchmarkUnmarshal(b *testing.B) {
	mix := replayMix(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := event.Unmarshal(mix[i%len(mix)]); err != nil {
			b.Fatal(err)
		}
	}
}
