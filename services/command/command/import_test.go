package command_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/projection"
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
	res, err := f.svc.Import(context.Background(), "importer", doc, "")
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
	if _, err := f2.svc.Import(context.Background(), "importer", parseDoc(t, first), ""); err != nil {
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
	_, err := f.svc.Import(context.Background(), "importer", doc, "")
	if !errors.Is(err, command.ErrInvalid) {
		t.Fatalf("import of a future contact: %v", err)
	}
	if f.head() != before {
		t.Fatal("a refused import wrote events")
	}
	// Importing the same map twice conflicts; a retry of the same import is a duplicate.
	doc = parseDoc(t, src)
	cmd := uuid.NewString()
	if _, err := f.svc.Import(context.Background(), "importer", doc, cmd); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Import(context.Background(), "importer", doc, cmd)
	if err != nil || !again.Duplicate {
		t.Fatalf("retried import: %+v, %v", again, err)
	}
	if _, err := f.svc.Import(context.Background(), "importer", doc, ""); !errors.Is(err, command.ErrConflict) {
		t.Fatalf("second import of the same map: %v", err)
	}
}
