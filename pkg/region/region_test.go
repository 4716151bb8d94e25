package region_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/region"
	"github.com/samspill/samspill/pkg/stakeholder"
)

var sealed = event.Sealed("s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

type builder struct {
	t   *testing.T
	st  *projection.Store
	seq uint64
}

func (b *builder) add(agg event.Aggregate, valid string, d event.Data) {
	b.t.Helper()
	env, err := event.New(agg, "/samspill/test", date.MustParse(valid), d)
	if err != nil {
		b.t.Fatal(err)
	}
	env.Time = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.seq++
	if err := b.st.Apply(eventlog.Record{Seq: b.seq, Envelope: env}); err != nil {
		b.t.Fatal(err)
	}
}

// citizen adds a citizen map in municipality m served by the given
// directory entries; tie says whether the first two collaborate.
func (b *builder) citizen(m string, tie bool, orgs ...string) {
	agg := event.MapAggregate(uuid.NewString())
	c := uuid.NewString()
	b.add(agg, "2026-01-01", &event.MapOpened{Focus: event.Focus{Kind: stakeholder.FocusCitizen, Label: sealed, Municipality: m}, Citizen: &event.Citizen{ActorID: c, Name: sealed}})
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = uuid.NewString()
		b.add(agg, "2026-01-01", &event.ActorAdded{ActorID: ids[i], Kind: "service", Level: "service", Sector: "primary-health", Name: sealed, Directory: o})
		b.add(agg, "2026-01-01", &event.RelationAdded{RelationID: uuid.NewString(), From: ids[i], To: c, Type: "serves", Quality: "good"})
	}
	if tie {
		b.add(agg, "2026-10-01", &event.RelationAdded{RelationID: uuid.NewString(), From: ids[0], To: ids[1], Type: "collaborates", Quality: "good"})
	}
}

func TestSystemGraphSuppressesSmallCells(t *testing.T) {
	b := &builder{t: t, st: projection.NewStore()}
	for _, e := range []struct{ id, sector string }{{"gp-a", "primary-health"}, {"dps", "specialist-mh"}, {"gp-b", "primary-health"}, {"nav", "welfare-work"}} {
		b.add(event.DirectoryAggregate(e.id), "2025-01-01", &event.EntryRegistered{Kind: "service", Name: e.id, Sector: stakeholder.Sector(e.sector), Municipality: "3203"})
	}
	for i := 0; i < 6; i++ {
		b.citizen("3203", i < 3, "gp-a", "dps")
	}
	for i := 0; i < 2; i++ {
		b.citizen("3203", true, "gp-b", "nav")
	}
	b.citizen("3201", true, "gp-a", "nav") // another municipality
	// The municipality map records an agreement between gp-b and nav.
	muni := event.MapAggregate(uuid.NewString())
	b.add(muni, "2025-01-01", &event.MapOpened{Focus: event.Focus{Kind: stakeholder.FocusMunicipality, Label: sealed, Municipality: "3203"}})
	x, y := uuid.NewString(), uuid.NewString()
	b.add(muni, "2025-01-01", &event.ActorAdded{ActorID: x, Kind: "service", Level: "system", Sector: "primary-health", Name: sealed, Directory: "gp-b"})
	b.add(muni, "2025-01-01", &event.ActorAdded{ActorID: y, Kind: "service", Level: "system", Sector: "welfare-work", Name: sealed, Directory: "nav"})
	b.add(muni, "2025-01-01", &event.RelationAdded{RelationID: uuid.NewString(), From: x, To: y, Type: "agreement", Quality: "good", Formalised: true})

	g := region.Build(b.st, region.Query{Municipality: "3203", At: date.MustParse("2026-11-01"), K: 2})
	if g.K != region.DefaultK {
		t.Fatalf("k %d: a threshold below the default must be raised to it", g.K)
	}
	if g.CitizenMaps != 8 {
		t.Fatalf("%d citizen maps in 3203, want 8", g.CitizenMaps)
	}
	edges := map[string]region.Edge{}
	for _, e := range g.Edges {
		edges[e.A+"|"+e.B] = e
	}
	if e := edges["dps|gp-a"]; e.SharedCitizens != 6 || e.CollaborationMaps != 3 || e.Suppressed {
		t.Fatalf("dps–gp-a edge %+v, want 6 shared, 3 collaborating", e)
	}
	if e := edges["gp-b|nav"]; e.SharedCitizens != 0 || e.CollaborationMaps != 0 || !e.Suppressed || !e.Agreement {
		t.Fatalf("gp-b–nav edge %+v: 2 citizens must be suppressed, the agreement shown", e)
	}
	if _, ok := edges["gp-a|nav"]; ok {
		t.Fatal("a pair from another municipality leaked in")
	}
	if g.SuppressedCells != 1 {
		t.Fatalf("%d suppressed cells, want 1", g.SuppressedCells)
	}
	for _, o := range g.Organisations {
		if o.ID == "nav" && (o.Citizens != 0 || !o.Suppressed) {
			t.Fatalf("nav's caseload of 2 must be suppressed: %+v", o)
		}
		if o.ID == "gp-a" && o.Citizens != 6 {
			t.Fatalf("gp-a caseload %d, want 6", o.Citizens)
		}
	}
	// At a date before the collaborations began, none counts.
	early := region.Build(b.st, region.Query{Municipality: "3203", At: date.MustParse("2026-06-01")})
	for _, e := range early.Edges {
		if e.CollaborationMaps != 0 {
			t.Fatalf("collaboration counted before it began: %+v", e)
		}
	}
}
