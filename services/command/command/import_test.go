package command_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

// withDirectory registers the directory entry the example map refers to.
func withDirectory(f *fixture) *fixture {
	f.exec(&command.RegisterEntry{EntryID: "legekontor-grorud", Kind: "service", Name: "Legekontoret Grorud", Sector: "primary-health", Municipality: "0301"})
	return f
}

func parseDoc(t *testing.T, b []byte) *mapdoc.Document {
	t.Helper()
	v, err := mapdoc.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := v.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// exportFrom projects the whole log and exports one map as of asOf.
func (f *fixture) exportFrom(mapID string, doc *mapdoc.Document) []byte {
	f.t.Helper()
	st := projection.NewStore()
	recs, _, err := f.log.Load(context.Background(), event.MapAggregate(mapID))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range recs {
		if err := st.Apply(r); err != nil {
			f.t.Fatal(err)
		}
	}
	v, err := st.View(mapID, doc.AsOf, time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := export.Map(context.Background(), v, f.keys)
	if err != nil {
		f.t.Fatal(err)
	}
	return mapdoc.Canonical(out)
}

func TestImportExportRoundTrip(t *testing.T) {
	f := withDirectory(newFixture(t))
	src, err := os.ReadFile("../../../pkg/mapdoc/testdata/example-map.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseDoc(t, src)
	before := f.head()
	res, err := f.svc.Import(as(coordinator), doc, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.head() - before; got != uint64(len(res.Steps)) || got < 10 {
		t.Fatalf("import wrote %d events for %d steps", got, len(res.Steps))
	}
	first := f.exportFrom(doc.ID, doc)
	// The first export normalises what a document may leave implicit; from
	// then on export → import → export is the identity.
	f2 := withDirectory(newFixture(t))
	if _, err := f2.svc.Import(as(coordinator), parseDoc(t, first), ""); err != nil {
		t.Fatalf("re-import of an export: %v\n%s", err, first)
	}
	second := f2.exportFrom(doc.ID, doc)
	if string(first) != string(second) {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
	if string(first) != string(mapdoc.Canonical(doc)) {
		t.Logf("the example normalised on import:\n%s", first)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	f := withDirectory(newFixture(t))
	src, _ := os.ReadFile("../../../pkg/mapdoc/testdata/example-map.json")
	doc := parseDoc(t, src)
	// A contact recorded in the future cannot be written: the whole map is refused.
	doc.Relations[0].Contacts = append(doc.Relations[0].Contacts, doc.AsOf.AddDays(400))
	doc.AsOf = doc.AsOf.AddDays(400)
	before := f.head()
	_, err := f.svc.Import(as(coordinator), doc, "")
	if !errors.Is(err, command.ErrInvalid) {
		t.Fatalf("import of a future contact: %v", err)
	}
	if f.head() != before {
		t.Fatal("a refused import wrote events")
	}
	// Importing the same map twice conflicts; a retry of the same import is a duplicate.
	doc = parseDoc(t, src)
	cmd := uuid.NewString()
	if _, err := f.svc.Import(as(coordinator), doc, cmd); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Import(as(coordinator), doc, cmd)
	if err != nil || !again.Duplicate {
		t.Fatalf("retried import: %+v, %v", again, err)
	}
	if _, err := f.svc.Import(as(coordinator), doc, ""); !errors.Is(err, command.ErrConflict) {
		t.Fatalf("second import of the same map: %v", err)
	}
}

// TestEarlierCoordinatorsRoundTrip: a map whose coordinator was assigned,
// ended and replaced exports an ended coordinates relation; importing that
// export gives the same map (it used to be refused: "the coordinator is
// recorded with assign_coordinator").
func TestEarlierCoordinatorsRoundTrip(t *testing.T) {
	f := newFixture(t)
	mapID, _, gp, dps := f.citizenMap()
	f.exec(&command.AssignCoordinator{MapID: mapID, ActorID: dps, Meta: command.Meta{ValidTime: d("2026-03-05")}})
	f.exec(&command.EndCoordinator{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-05-01")}})
	f.exec(&command.AssignCoordinator{MapID: mapID, ActorID: gp, Meta: command.Meta{ValidTime: d("2026-06-01")}})
	f.exec(&command.EndCoordinator{MapID: mapID, Meta: command.Meta{ValidTime: d("2026-08-01")}})
	f.exec(&command.AssignCoordinator{MapID: mapID, ActorID: dps, Meta: command.Meta{ValidTime: d("2026-09-01")}})
	// The fixture's actors are added today, so the map is looked at today.
	asOf := &mapdoc.Document{AsOf: date.Of(time.Now())}
	first := f.exportFrom(mapID, asOf)
	doc := parseDoc(t, first)
	ended := 0
	for _, r := range doc.Relations {
		if r.Type == stakeholder.RelCoordinates && !r.ValidTo.IsZero() {
			ended++
		}
	}
	if ended != 2 || doc.Coordinator == nil || doc.Coordinator.Assigned != d("2026-09-01") {
		t.Fatalf("the export has %d ended coordinates relations and coordinator %+v, want 2 and one assigned 2026-09-01", ended, doc.Coordinator)
	}
	f2 := newFixture(t)
	f2.exec(&command.RegisterEntry{EntryID: "legekontor-sentrum", Kind: stakeholder.EntryService, Name: "Legekontoret Sentrum", Sector: stakeholder.SectorPrimaryHealth, Municipality: "3203"})
	if _, err := f2.svc.Import(as(coordinator), doc, ""); err != nil {
		t.Fatalf("import of the export: %v\n%s", err, first)
	}
	// The same map; only the order of relations (the order they were
	// written in) may differ.
	second := f2.exportFrom(mapID, asOf)
	byID := func(b []byte) string {
		doc := parseDoc(t, b)
		slices.SortFunc(doc.Relations, func(a, b mapdoc.Relation) int { return strings.Compare(a.ID, b.ID) })
		return string(mapdoc.Canonical(doc))
	}
	if byID(second) != byID(first) {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", first, second)
	}
}
