package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// TestManyGapsDrawTheMostUrgent: 45 services of alternating sectors, none
// tied to another, give about a thousand P1 gaps; the picture draws the
// 40 most urgent and says how many there are in all.
func TestManyGapsDrawTheMostUrgent(t *testing.T) {
	asOf := date.MustParse("2026-11-01")
	doc := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "5b0c6f9e-3d0e-4c1b-9a57-2f1e8c4d7a10", AsOf: asOf,
		Focus:  mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Åse K.", Municipality: "0301"},
		Actors: []mapdoc.Actor{{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "Åse K."}}}
	sectors := []stakeholder.Sector{stakeholder.SectorPrimaryHealth, stakeholder.SectorSpecialistMH, stakeholder.SectorWelfareWork, stakeholder.SectorHousing}
	for i := range 45 {
		id := fmt.Sprintf("s%d", i)
		doc.Actors = append(doc.Actors, mapdoc.Actor{ID: id, Kind: stakeholder.KindService, Sector: sectors[i%len(sectors)], Level: stakeholder.LevelService, Name: fmt.Sprintf("Tjeneste %d", i)})
		doc.Relations = append(doc.Relations, mapdoc.Relation{ID: "r" + id, From: id, To: "c", Type: stakeholder.RelServes, ValidFrom: asOf.AddDays(-30), Contacts: []date.Date{asOf.AddDays(-3)}})
	}
	open, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(open) < 500 {
		t.Fatalf("only %d gaps; the test needs hundreds", len(open))
	}
	out, err := PersonMap(doc, open, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Open gaps: the %d most urgent of %d", MaxDrawnGaps, len(open))
	if !strings.Contains(string(out), want) {
		t.Errorf("the list does not say %q", want)
	}
	if strings.Contains(string(out), fmt.Sprintf(">%d<", MaxDrawnGaps+1)) {
		t.Errorf("gap %d is drawn", MaxDrawnGaps+1)
	}
	// The most urgent come first: a high-severity gap outranks the P1s.
	kept := mostUrgent(open, MaxDrawnGaps)
	for _, g := range open {
		if g.Severity == gaps.SeverityHigh {
			found := false
			for _, k := range kept {
				found = found || k.ID == g.ID
			}
			if !found {
				t.Errorf("the high-severity gap %s %s was left out", g.Rule, g.ID)
			}
		}
	}
}
