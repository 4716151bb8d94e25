package projection_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/stakeholder"
)

var sealed = event.Sealed("s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

type script struct {
	t    *testing.T
	agg  event.Aggregate
	seq  uint64
	recs []eventlog.Record
}

func (s *script) add(recorded, valid string, d event.Data) {
	s.t.Helper()
	env, err := event.New(s.agg, "/samspill/test", date.MustParse(valid), d)
	if err != nil {
		s.t.Fatal(err)
	}
	env.Time = date.MustParse(recorded).Time().Add(12 * time.Hour)
	s.seq++
	s.recs = append(s.recs, eventlog.Record{Seq: s.seq, Envelope: env})
}

func day(s string) time.Time { return date.MustParse(s).Time().Add(23 * time.Hour) }

// history scripts Ola's network: a GP since 2024, an inpatient stay at the
// DPS from March that ended on 15 June (recorded on 20 June), and a
// correction recorded in July that the GP relation had been strained since May.
func history(t *testing.T) (s *script, citizen, gp, dps, gpServes, dpsServes string) {
	s = &script{t: t, agg: event.MapAggregate(uuid.NewString())}
	citizen, gp, dps, gpServes, dpsServes = uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	s.add("2026-01-10", "2026-01-10", &event.MapOpened{Focus: event.Focus{Kind: stakeholder.FocusCitizen, Label: sealed, Municipality: "3203"},
		Citizen: &event.Citizen{ActorID: citizen, Name: sealed}})
	s.add("2026-01-10", "2026-01-10", &event.ActorAdded{ActorID: gp, Kind: "person", Level: "service", Sector: "primary-health", Name: sealed})
	s.add("2026-01-10", "2024-02-01", &event.RelationAdded{RelationID: gpServes, From: gp, To: citizen, Type: "serves", Quality: "good"})
	s.add("2026-03-01", "2026-03-01", &event.ActorAdded{ActorID: dps, Kind: "service", Level: "service", Sector: "specialist-mh", Name: sealed})
	s.add("2026-03-01", "2026-03-01", &event.RelationAdded{RelationID: dpsServes, From: dps, To: citizen, Type: "serves", Quality: "good", Inpatient: true})
	s.add("2026-04-02", "2026-04-02", &event.ContactRecorded{RelationID: dpsServes})
	s.add("2026-06-20", "2026-06-15", &event.RelationEnded{RelationID: dpsServes})
	s.add("2026-07-01", "2026-05-01", &event.RelationUpdated{RelationID: gpServes, Quality: "strained"})
	return
}

func load(t *testing.T, recs []eventlog.Record) *projection.Store {
	t.Helper()
	st := projection.NewStore()
	for _, r := range recs {
		if err := st.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func relation(t *testing.T, v *projection.View, id string) (projection.Relation, bool) {
	t.Helper()
	for _, r := range v.Relations {
		if r.ID == id {
			return r, true
		}
	}
	return projection.Relation{}, false
}

func TestTimeTravelOnBothAxes(t *testing.T) {
	s, _, _, dps, gpServes, dpsServes := history(t)
	st := load(t, s.recs)
	id := s.agg.ID
	cases := []struct {
		name           string
		at             string
		known          time.Time
		dpsActive      bool
		dpsPresent     bool
		gpQuality      stakeholder.Quality
		wantNotOpenYet bool
	}{
		{"before the map", "2025-12-01", time.Time{}, false, false, "", true},
		{"February: no DPS yet", "2026-02-01", time.Time{}, false, false, "good", false},
		{"in hospital", "2026-06-14", day("2026-06-16"), true, true, "good", false},
		{"after discharge, as known before the discharge was recorded", "2026-06-16", day("2026-06-18"), true, true, "good", false},
		{"after discharge, as known now", "2026-06-16", time.Time{}, false, true, "strained", false},
		{"May, as known in June (correction not yet made)", "2026-05-15", day("2026-06-01"), true, true, "good", false},
		{"May, as known now", "2026-05-15", time.Time{}, true, true, "strained", false},
		{"April, as known now (correction valid only from May)", "2026-04-15", time.Time{}, true, true, "good", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := st.View(id, date.MustParse(tc.at), tc.known)
			if tc.wantNotOpenYet {
				if !errors.Is(err, projection.ErrNotFound) {
					t.Fatalf("err = %v, want not found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, present := v.Actor(dps)
			r, found := relation(t, v, dpsServes)
			if active := found && r.Active(v.At); present != tc.dpsPresent || active != tc.dpsActive {
				t.Fatalf("DPS present %v, relation active %v; want %v, %v", present, active, tc.dpsPresent, tc.dpsActive)
			}
			if gp, _ := relation(t, v, gpServes); gp.Quality != tc.gpQuality {
				t.Fatalf("GP relation quality %q, want %q", gp.Quality, tc.gpQuality)
			}
		})
	}
	v, _ := st.View(id, date.MustParse("2026-11-01"), time.Time{})
	r, _ := relation(t, v, dpsServes)
	if r.ValidTo != date.MustParse("2026-06-15") || !r.Inpatient || r.LastContact() != date.MustParse("2026-04-02") {
		t.Fatalf("DPS relation now: %+v", r)
	}
	if len(v.ActiveRelations()) != 1 {
		t.Fatalf("%d active relations in November, want 1", len(v.ActiveRelations()))
	}
}

func TestReplayEqualsIncrementalAndSnapshotRoundTrips(t *testing.T) {
	s, _, _, _, _, _ := history(t)
	full := load(t, s.recs)
	// Incremental: applied in two parts with redeliveries in between.
	inc := projection.NewStore()
	for i, r := range s.recs {
		if err := inc.Apply(r); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := inc.Apply(s.recs[i-1]); err != nil { // redelivery is ignored
				t.Fatal(err)
			}
		}
	}
	a, err := full.MarshalSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := inc.MarshalSnapshot()
	if !bytes.Equal(a, b) {
		t.Fatal("incremental state differs from a replay")
	}
	restored := projection.NewStore()
	if err := restored.UnmarshalSnapshot(a); err != nil {
		t.Fatal(err)
	}
	c, _ := restored.MarshalSnapshot()
	if !bytes.Equal(a, c) || restored.Position() != uint64(len(s.recs)) {
		t.Fatal("snapshot does not round-trip")
	}
	va, _ := full.View(s.agg.ID, date.MustParse("2026-06-16"), day("2026-06-18"))
	vc, _ := restored.View(s.agg.ID, date.MustParse("2026-06-16"), day("2026-06-18"))
	if len(va.Relations) != len(vc.Relations) || va.Version != vc.Version {
		t.Fatal("views differ after a snapshot round trip")
	}
}

func TestRemovedActorLeavesTheView(t *testing.T) {
	s, citizen, gp, dps, _, _ := history(t)
	s.add("2026-08-01", "2026-08-01", &event.ActorRemoved{ActorID: dps})
	s.add("2026-08-02", "2026-08-02", &event.MapErased{Basis: event.ErasureCitizenRequest})
	st := load(t, s.recs)
	before, _ := st.View(s.agg.ID, date.MustParse("2026-07-31"), time.Time{})
	after, _ := st.View(s.agg.ID, date.MustParse("2026-08-01"), time.Time{})
	if _, ok := before.Actor(dps); !ok {
		t.Fatal("DPS missing the day before its removal")
	}
	if _, ok := after.Actor(dps); ok {
		t.Fatal("DPS present after its removal")
	}
	for _, r := range after.Relations {
		if r.From == dps || r.To == dps {
			t.Fatal("relation of a removed actor left in the view")
		}
	}
	if _, ok := after.Actor(gp); !ok || after.Citizen != citizen {
		t.Fatal("other actors lost")
	}
	if !before.Erased || !after.Erased {
		t.Fatal("an erased map must read as erased on every date")
	}
}

// TestAreaMaps: a municipality's maps are its organisation map and citizen
// maps; closed ones are left out, erased ones stay as structure, other
// municipalities' maps never appear.
func TestAreaMaps(t *testing.T) {
	var recs []eventlog.Record
	open := func(kind stakeholder.FocusKind, municipality string, then ...event.Data) string {
		id := uuid.NewString()
		s := &script{t: t, agg: event.MapAggregate(id), seq: uint64(len(recs))}
		f := event.Focus{Kind: kind, Label: sealed, Municipality: municipality}
		opened := &event.MapOpened{Focus: f}
		if kind == stakeholder.FocusCitizen {
			opened.Citizen = &event.Citizen{ActorID: uuid.NewString(), Name: sealed}
		}
		s.add("2026-01-10", "2026-01-10", opened)
		for _, d := range then {
			s.add("2026-02-10", "2026-02-10", d)
		}
		recs = append(recs, s.recs...)
		return id
	}
	org := open(stakeholder.FocusMunicipality, "3203")
	a := open(stakeholder.FocusCitizen, "3203")
	erased := open(stakeholder.FocusCitizen, "3203", &event.MapErased{Basis: event.ErasureCitizenRequest})
	closed := open(stakeholder.FocusCitizen, "3203", &event.MapClosed{Reason: event.CloseMoved})
	other := open(stakeholder.FocusCitizen, "3201")
	st := load(t, recs)

	at := date.MustParse("2026-03-01")
	gotOrg, citizens := st.AreaMaps("3203", nil, at, time.Time{})
	want := []string{a, erased}
	if want[1] < want[0] {
		want[0], want[1] = want[1], want[0]
	}
	if gotOrg != org || len(citizens) != 2 || citizens[0] != want[0] || citizens[1] != want[1] {
		t.Fatalf("AreaMaps = %s %v; want %s %v (closed %s, other municipality %s left out)", gotOrg, citizens, org, want, closed, other)
	}
	// Before the closing, the closed map still counts; candidates restrict the search.
	if _, c := st.AreaMaps("3203", []string{closed, other}, date.MustParse("2026-02-01"), time.Time{}); len(c) != 1 || c[0] != closed {
		t.Fatalf("AreaMaps of the candidates before the closing = %v; want [%s]", c, closed)
	}
}

// TestSnapshotWhileApplying: a snapshot taken while events are applied is
// the state at one position — byte-equal to a replay of the log up to the
// position it names —, though it is encoded outside the store's lock.
func TestSnapshotWhileApplying(t *testing.T) {
	var recs []eventlog.Record
	for range 40 {
		s, _, _, _, _, _ := history(t)
		recs = append(recs, s.recs...)
	}
	for i := range recs {
		recs[i].Seq = uint64(i + 1)
	}
	st := projection.NewStore()
	done := make(chan error, 1)
	go func() {
		for _, r := range recs {
			if err := st.Apply(r); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var snaps [][]byte
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		b, err := st.MarshalSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, b)
	}
	positions := map[uint64]bool{}
	for _, b := range snaps {
		restored := projection.NewStore()
		if err := restored.UnmarshalSnapshot(b); err != nil {
			t.Fatal(err)
		}
		pos := restored.Position()
		positions[pos] = true
		want, err := load(t, recs[:pos]).MarshalSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("the snapshot at position %d differs from a replay up to it", pos)
		}
	}
	if !positions[uint64(len(recs))] {
		t.Fatalf("no snapshot of the whole log among %d", len(snaps))
	}
	t.Logf("%d snapshots at %d positions", len(snaps), len(positions))
}
