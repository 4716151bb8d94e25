package projection_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/projection"
)

func TestServicesWorkingTiesAndChanges(t *testing.T) {
	s, _, gp, dps, _, _ := history(t)
	refers, nav, navServes, plan := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	s.add("2026-03-02", "2026-03-02", &event.RelationAdded{RelationID: refers, From: gp, To: dps, Type: "refers", Quality: "good"})
	s.add("2026-09-01", "2026-09-01", &event.ActorAdded{ActorID: nav, Kind: "service", Level: "service", Sector: "welfare-work", Name: sealed})
	s.add("2026-09-01", "2026-09-01", &event.RelationAdded{RelationID: navServes, From: nav, To: s.recs[0].Envelope.Subject[4:], Type: "serves", Quality: "good"})
	s.add("2026-09-02", "2026-09-02", &event.ActorAdded{ActorID: plan, Kind: "forum", Level: "service", Sector: "governance", Name: sealed})
	s.add("2026-09-02", "2026-09-02", &event.PlanCreated{ActorID: plan})
	for _, a := range []string{gp, nav} {
		s.add("2026-09-02", "2026-09-02", &event.PlanMemberAdded{ActorID: a, RelationID: uuid.NewString()})
	}
	s.add("2026-10-01", "2026-10-01", &event.PlanClosed{})
	st := load(t, s.recs)
	view := func(at string) *projection.View {
		v, err := st.View(s.agg.ID, date.MustParse(at), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ids := func(as []projection.Actor) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(view("2026-04-01").Services()); !slices.Equal(got, []string{gp, dps}) {
		t.Fatalf("services in April: %v", got)
	}
	// The referral's last contact is its start, 2 March: a working tie for 90 days.
	if !view("2026-05-30").WorkingTie(gp, dps, projection.WorkingTieWindow) {
		t.Fatal("referral within 90 days is not a working tie")
	}
	if view("2026-06-01").WorkingTie(gp, dps, projection.WorkingTieWindow) {
		t.Fatal("referral 91 days old still counts as a working tie")
	}
	// Co-members of the active plan have a working tie; once the plan closes they do not.
	if !view("2026-09-15").WorkingTie(gp, nav, projection.WorkingTieWindow) {
		t.Fatal("co-members of the active plan have no working tie")
	}
	if view("2026-10-02").WorkingTie(gp, nav, projection.WorkingTieWindow) {
		t.Fatal("co-members of a closed plan still have a working tie")
	}
	changes := projection.Changes(view("2026-04-01"), view("2026-09-15"))
	kinds := map[string]int{}
	for _, c := range changes {
		kinds[c.Kind]++
	}
	// Added: NAV, the plan forum; their relations and two memberships.
	// Ended: the DPS stay. Changed: the GP relation (strained since May).
	if kinds["actor-added"] != 2 || kinds["relation-added"] != 3 || kinds["relation-ended"] != 1 || kinds["relation-changed"] != 1 {
		t.Fatalf("changes: %+v", changes)
	}
}

func TestGraphHasOneTiePerPair(t *testing.T) {
	s, citizen, gp, dps, _, _ := history(t)
	s.add("2026-03-02", "2026-03-02", &event.RelationAdded{RelationID: uuid.NewString(), From: gp, To: dps, Type: "refers", Quality: "good"})
	s.add("2026-03-03", "2026-03-03", &event.RelationAdded{RelationID: uuid.NewString(), From: dps, To: gp, Type: "informs", Quality: "good"})
	st := load(t, s.recs)
	v, err := st.View(s.agg.ID, date.MustParse("2026-04-01"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := v.Graph()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := g.Order(); n != 3 {
		t.Fatalf("%d vertices, want 3", n)
	}
	if m, _ := g.Size(); m != 3 { // citizen–gp, citizen–dps, gp–dps
		t.Fatalf("%d edges, want 3", m)
	}
	e, err := g.Edge(dps, gp)
	if err != nil {
		t.Fatal(err)
	}
	if rels := e.Properties.Data.(projection.Tie).Relations; len(rels) != 2 {
		t.Fatalf("gp–dps tie holds %d relations, want 2", len(rels))
	}
	a, _ := g.Vertex(citizen)
	if a.Sector != "citizen" {
		t.Fatalf("citizen vertex %+v", a)
	}
}
