package projection_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/projection"
)

// TestHistoryKeepsWhoOpenedAndWhenUpdated: the principal of the open_map
// event and the record time of the last event survive a snapshot round
// trip, and a later event of another principal changes neither who opened
// the map nor anything of a copy taken before it.
func TestHistoryKeepsWhoOpenedAndWhenUpdated(t *testing.T) {
	s, _, _, _, _, _ := history(t)
	s.recs[0].Envelope.Principal = "user:kari.nordmann"
	for i := 1; i < len(s.recs); i++ {
		s.recs[i].Envelope.Principal = "user:someone.else"
	}
	st := load(t, s.recs[:len(s.recs)-1])
	before, ok := st.History(s.agg.ID)
	if !ok {
		t.Fatal("no history for the map")
	}
	if err := st.Apply(s.recs[len(s.recs)-1]); err != nil {
		t.Fatal(err)
	}
	h, _ := st.History(s.agg.ID)
	if h.OpenedBy != "user:kari.nordmann" {
		t.Fatalf("OpenedBy = %q", h.OpenedBy)
	}
	if want := day("2026-07-01").Add(-11 * time.Hour); !h.Updated().Equal(want) {
		t.Fatalf("Updated = %v, want the record time of the last event %v", h.Updated(), want)
	}
	if len(before.Facts) != len(s.recs)-1 || len(h.Facts) != len(s.recs) {
		t.Fatalf("a copy taken before the last event has %d facts; now %d", len(before.Facts), len(h.Facts))
	}
	if _, ok := st.History("6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c"); ok {
		t.Fatal("history of an unknown map")
	}

	snap, err := st.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored := projection.NewStore()
	if err := restored.UnmarshalSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if r, _ := restored.History(s.agg.ID); r.OpenedBy != "user:kari.nordmann" || !r.Updated().Equal(h.Updated()) {
		t.Fatalf("after a snapshot round trip: OpenedBy %q, Updated %v", r.OpenedBy, r.Updated())
	}
}

// TestSnapshotOfOlderFormatRefused: a snapshot written before the
// principal was kept (no format number, no openedBy) is refused with
// ErrSnapshotFormat, so that the caller rebuilds from the log rather than
// serving maps without their principal; the current format loads.
func TestSnapshotOfOlderFormatRefused(t *testing.T) {
	s, _, _, _, _, _ := history(t)
	s.recs[0].Envelope.Principal = "user:kari.nordmann"
	snap, err := load(t, s.recs).MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Write it as the old format did: no format, no openedBy.
	var doc map[string]any
	if err := json.Unmarshal(snap, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "format")
	for _, m := range doc["maps"].([]any) {
		delete(m.(map[string]any), "openedBy")
	}
	old, _ := json.Marshal(doc)
	if bytes.Contains(old, []byte("openedBy")) || bytes.Equal(old, snap) {
		t.Fatal("the old-format snapshot still names the principal")
	}
	st := projection.NewStore()
	if err := st.UnmarshalSnapshot(old); !errors.Is(err, projection.ErrSnapshotFormat) {
		t.Fatalf("an old snapshot: %v, want ErrSnapshotFormat", err)
	}
	if err := st.UnmarshalSnapshot(snap); err != nil {
		t.Fatalf("a current snapshot must load: %v", err)
	}
	h, ok := st.History(s.agg.ID)
	if !ok || h.OpenedBy != "user:kari.nordmann" || len(h.Facts) != len(s.recs) || st.Position() != uint64(len(s.recs)) {
		t.Fatalf("snapshot loaded as %+v (position %d)", h, st.Position())
	}
	if _, err := st.View(s.agg.ID, date.MustParse("2026-06-16"), time.Time{}); err != nil {
		t.Fatal(err)
	}
}

// TestAssignments: the coordinator who opens a map is assigned to it,
// access_granted assigns another and access_revoked ends either; neither
// event is a fact of the map (its history and views do not change), and
// the assignments survive a snapshot round trip.
func TestAssignments(t *testing.T) {
	s, _, _, _, _, _ := history(t)
	s.recs[0].Envelope.Principal = "user:kari"
	facts := len(s.recs)
	s.add("2026-07-02", "2026-07-02", &event.AccessGranted{Principal: "user:ola"})
	s.add("2026-07-02", "2026-07-02", &event.AccessGranted{Principal: "user:ola"})
	s.add("2026-07-03", "2026-07-03", &event.AccessRevoked{Principal: "user:kari"})
	s.add("2026-07-03", "2026-07-03", &event.AccessRevoked{Principal: "user:nobody"})
	st := load(t, s.recs)
	h, _ := st.History(s.agg.ID)
	if !slices.Equal(h.Assigned, []string{"user:ola"}) {
		t.Fatalf("Assigned = %q, want [user:ola]", h.Assigned)
	}
	if len(h.Facts) != facts {
		t.Fatalf("%d facts, want %d: assignments are not facts", len(h.Facts), facts)
	}
	// They count in the map's version (what expectedVersion is held
	// against), but only as known and valid then.
	if v, _ := st.View(s.agg.ID, date.MustParse("2026-12-31"), time.Time{}); v.Version != s.seq {
		t.Fatalf("version %d, want the last access event's %d", v.Version, s.seq)
	}
	if v, _ := st.View(s.agg.ID, date.MustParse("2026-07-01"), time.Time{}); v.Version >= uint64(facts+1) {
		t.Fatalf("version %d on a date before the grants", v.Version)
	}
	if !st.Assigned(s.agg.ID, "user:ola") || st.Assigned(s.agg.ID, "user:kari") || st.Assigned(s.agg.ID, "") ||
		st.Assigned("6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c", "user:ola") {
		t.Fatal("Assigned answers otherwise than the events say")
	}
	snap, err := st.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored := projection.NewStore()
	if err := restored.UnmarshalSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if !restored.Assigned(s.agg.ID, "user:ola") || restored.Assigned(s.agg.ID, "user:kari") {
		t.Fatal("assignments lost in a snapshot round trip")
	}
	if v, _ := restored.View(s.agg.ID, date.MustParse("2026-12-31"), time.Time{}); v.Version != s.seq {
		t.Fatalf("version after a snapshot round trip %d, want %d", v.Version, s.seq)
	}
	// A copy taken before a change keeps what it had.
	if err := st.Apply(eventlog.Record{Seq: s.seq + 1, Envelope: mustEnvelope(t, s.agg, &event.AccessGranted{Principal: "user:per"})}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.Assigned, []string{"user:ola"}) || !st.Assigned(s.agg.ID, "user:per") {
		t.Fatalf("copy %q changed, or the grant was not applied", h.Assigned)
	}
}

func mustEnvelope(t *testing.T, agg event.Aggregate, d event.Data) event.Envelope {
	t.Helper()
	env, err := event.New(agg, "/samspill/test", date.MustParse("2026-07-04"), d)
	if err != nil {
		t.Fatal(err)
	}
	return env
}
