package export_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// revealer "opens" a sealed value by looking it up in plain, as a keyring
// would with the map's key.
type revealer map[event.Sealed]string

func (r revealer) Reveal(_ context.Context, _ string, s event.Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	t, ok := r[s]
	if !ok {
		return "", fmt.Errorf("no key for %s", s)
	}
	return t, nil
}

// sealer hands out distinct sealed values and remembers their plain text.
type sealer struct {
	plain revealer
	n     int
}

func (s *sealer) seal(text string) event.Sealed {
	s.n++
	v := event.Sealed(fmt.Sprintf("s1.%038d", s.n))
	s.plain[v] = text
	return v
}

// olaMap is a citizen map with names, local refs and free text everywhere
// they can be: a GP, a DPS and a mother, a coordinator, a plan and an
// assessment.
func olaMap(t *testing.T, s *sealer) (*projection.Store, string) {
	t.Helper()
	mapID := uuid.NewString()
	agg := event.MapAggregate(mapID)
	st := projection.NewStore()
	var seq uint64
	add := func(valid string, d event.Data) {
		t.Helper()
		env, err := event.New(agg, "/samspill/test", date.MustParse(valid), d)
		if err != nil {
			t.Fatal(err)
		}
		env.Time = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		seq++
		if err := st.Apply(eventlog.Record{Seq: seq, Envelope: env}); err != nil {
			t.Fatal(err)
		}
	}
	c, gp, dps, mother, forum := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	add("2026-01-10", &event.MapOpened{Focus: event.Focus{Kind: stakeholder.FocusCitizen, Label: s.seal("Ola N."), Municipality: "0301"},
		Citizen: &event.Citizen{ActorID: c, Name: s.seal("Ola Nordmann"), Ref: s.seal("ref-ola")}})
	add("2026-01-10", &event.ActorAdded{ActorID: gp, Kind: "person", Level: "service", Sector: "primary-health", Name: s.seal("Dr. Hansen"), Ref: s.seal("ref-gp"), Directory: "legekontor-sentrum"})
	add("2026-01-10", &event.ActorAdded{ActorID: dps, Kind: "service", Level: "service", Sector: "specialist-mh", Name: s.seal("DPS Nord"), Ref: s.seal("ref-dps")})
	add("2026-01-10", &event.ActorAdded{ActorID: mother, Kind: "person", Level: "individual", Sector: "informal", Name: s.seal("Kari Nordmann"), Ref: s.seal("ref-mother")})
	add("2026-01-10", &event.ActorAdded{ActorID: forum, Kind: "forum", Level: "service", Sector: "governance", Name: s.seal("Ansvarsgruppe"), Ref: s.seal("ref-plan")})
	add("2026-02-01", &event.ActorAssessed{ActorID: mother, Importance: stakeholder.High, Role: s.seal("visits every Sunday"), WhatMatters: s.seal("she listens")})
	serves := uuid.NewString()
	add("2026-02-01", &event.RelationAdded{RelationID: serves, From: gp, To: c, Type: "serves", Quality: "good", Ref: s.seal("r-gp")})
	add("2026-03-01", &event.ContactRecorded{RelationID: serves, Note: s.seal("talked about sleep")})
	add("2026-02-02", &event.RelationAdded{RelationID: uuid.NewString(), From: dps, To: c, Type: "serves", Quality: "strained", Inpatient: true, Ref: s.seal("r-dps")})
	add("2026-02-03", &event.CoordinatorAssigned{ActorID: gp, RelationID: uuid.NewString(), Ref: s.seal("r-coord")})
	add("2026-02-04", &event.PlanCreated{ActorID: forum})
	add("2026-02-05", &event.PlanMemberAdded{ActorID: gp, RelationID: uuid.NewString(), Ref: s.seal("r-member")})
	add("2026-02-06", &event.ParticipationAssessed{Level: 2, AssessedBy: gp, Note: s.seal("quiet in meetings")})
	add("2026-02-07", &event.ConsentRecorded{ActorID: mother, Status: stakeholder.ConsentGiven})
	return st, mapID
}

// TestStructureIsMapWithoutPersonalData checks that Structure exports the
// same map as Map, except that every personal field is empty and actors
// and relations carry their machine ids, and that it holds none of the
// personal data.
func TestStructureIsMapWithoutPersonalData(t *testing.T) {
	s := &sealer{plain: revealer{}}
	st, mapID := olaMap(t, s)
	v, err := st.View(mapID, date.MustParse("2026-11-01"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	full, ids, err := export.MapWithIDs(context.Background(), v, s.plain)
	if err != nil {
		t.Fatal(err)
	}
	got := export.Structure(v)

	// Map's document with names removed and local ids turned back into
	// machine ids must be Structure's document.
	machine := map[string]string{}
	for m, l := range ids {
		machine[l] = m
	}
	want := *full
	want.Focus.Label = ""
	want.Actors = nil
	for _, a := range full.Actors {
		a.ID, a.Name = machine[a.ID], ""
		if a.Assessment != nil {
			as := *a.Assessment
			as.Role, as.WhatMatters = "", ""
			a.Assessment = &as
		}
		want.Actors = append(want.Actors, a)
	}
	want.Relations = nil
	for _, r := range full.Relations {
		r.ID, r.From, r.To = machine[r.ID], machine[r.From], machine[r.To]
		want.Relations = append(want.Relations, r)
	}
	co := *full.Coordinator
	co.Actor = machine[co.Actor]
	want.Coordinator = &co
	plan := *full.Plan
	plan.Actor = machine[plan.Actor]
	want.Plan = &plan
	want.Participation = nil
	for _, p := range full.Participation {
		p.AssessedBy = machine[p.AssessedBy]
		want.Participation = append(want.Participation, p)
	}
	want.Consent = nil
	for _, c := range full.Consent {
		c.Actor = machine[c.Actor]
		want.Consent = append(want.Consent, c)
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(&want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("Structure differs from Map without names:\n got %s\nwant %s", gotJSON, wantJSON)
	}
	for sealed, plain := range s.plain {
		if strings.Contains(string(gotJSON), plain) || strings.Contains(string(gotJSON), string(sealed)) {
			t.Errorf("Structure holds personal data %q", plain)
		}
	}
	for _, a := range got.Actors {
		if !event.IsUUID(a.ID) {
			t.Errorf("actor id %q is not a machine id", a.ID)
		}
	}
}

func TestStructureBundleNeedsNoKeys(t *testing.T) {
	s := &sealer{plain: revealer{}}
	st, mapID := olaMap(t, s)
	b, err := export.StructureBundle(st, "", []string{mapID}, date.MustParse("2026-11-01"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Maps) != 1 || b.Maps[0].ID != mapID || len(b.Maps[0].Actors) != 5 {
		t.Fatalf("bundle: %+v", b)
	}
	raw, _ := json.Marshal(b)
	for _, plain := range s.plain {
		if strings.Contains(string(raw), plain) {
			t.Errorf("StructureBundle holds personal data %q", plain)
		}
	}
}
