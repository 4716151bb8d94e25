package careteam_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/careteam"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

const (
	quoted  = `Dr. "Hansen" <b>&amp; co</b>`
	formula = `=cmd|' /C calc'!A0`
	nordic  = "Bjørn Ærø-Åsgård"
	twoLine = "Kari\nNordmann"
	mapID   = "6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c"
)

func d(s string) date.Date { return date.MustParse(s) }

func doc() *mapdoc.Document {
	return &mapdoc.Document{
		Schema: mapdoc.SchemaMap, ID: mapID, AsOf: d("2026-11-23"),
		Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: nordic, Municipality: "3203"},
		Actors: []mapdoc.Actor{
			{ID: "citizen", Kind: "person", Sector: "citizen", Level: "individual", Name: nordic},
			{ID: "gp", Kind: "person", Sector: "primary-health", Level: "service", Name: quoted, Directory: "grorud-legesenter",
				Assessment: &mapdoc.Assessment{Role: "fastlege;\n\"monthly\""}},
			{ID: "dps", Kind: "service", Sector: "specialist-mh", Level: "service", Name: formula, Directory: "dps-nord"},
			{ID: "mother", Kind: "person", Sector: "informal", Level: "individual", Name: twoLine},
			{ID: "koord", Kind: "service", Sector: "governance", Level: "service", Name: "Koordinerende enhet Grorud", Directory: "ke-grorud"},
			{ID: "plan", Kind: "forum", Sector: "governance", Level: "service", Name: "Ansvarsgruppe"},
			{ID: "tsb", Kind: "service", Sector: "specialist-su", Level: "service", Name: "TSB Øst"}, // no tie to the person
		},
		Relations: []mapdoc.Relation{
			{ID: "r1", From: "gp", To: "citizen", Type: "serves", ValidFrom: d("2024-02-01")},
			{ID: "r2", From: "dps", To: "citizen", Type: "serves", ValidFrom: d("2026-03-01"), ValidTo: d("2026-06-15"), Inpatient: true},
			{ID: "r3", From: "gp", To: "dps", Type: "refers", ValidFrom: d("2026-03-02")},
			{ID: "r4", From: "mother", To: "citizen", Type: "family", ValidFrom: d("2000-01-01")},
			{ID: "r5", From: "koord", To: "citizen", Type: "coordinates", ValidFrom: d("2026-04-01")},
			{ID: "r6", From: "citizen", To: "plan", Type: "member-of", ValidFrom: d("2026-05-01")},
			{ID: "r7", From: "gp", To: "plan", Type: "member-of", ValidFrom: d("2026-05-01")},
			{ID: "r8", From: "tsb", To: "gp", Type: "informs", ValidFrom: d("2026-05-01")},
			{ID: "r9", From: "gp", To: "citizen", Type: "coordinates", ValidFrom: d("2025-01-01"), ValidTo: d("2025-06-01")},
		},
		Coordinator: &mapdoc.Coordinator{Actor: "koord", Assigned: d("2026-04-01")},
		Plan:        &mapdoc.Plan{Actor: "plan", Status: stakeholder.PlanActive, Created: d("2026-05-01")},
	}
}

// careTeam is the reader's view of the JSON, independent of the writer's
// types.
type careTeam struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
	Name         string `json:"name"`
	Identifier   []struct {
		System, Value string
	} `json:"identifier"`
	Subject struct {
		Reference, Display string
	} `json:"subject"`
	Period      struct{ Start, End string } `json:"period"`
	Participant []struct {
		Role []struct {
			Coding []struct{ System, Code string }
			Text   string
		} `json:"role"`
		Member     struct{ Reference, Display string } `json:"member"`
		OnBehalfOf *struct{ Reference string }         `json:"onBehalfOf"`
		Period     struct{ Start, End string }         `json:"period"`
	} `json:"participant"`
	ManagingOrganization []struct{ Reference, Display string } `json:"managingOrganization"`
	Category             []struct{ Text string }               `json:"category"`
}

func build(t *testing.T, dc *mapdoc.Document, opts careteam.Options) (careTeam, []byte) {
	t.Helper()
	ct, err := careteam.Build(dc, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := careteam.Marshal(ct)
	if err != nil {
		t.Fatal(err)
	}
	var out careTeam
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out, b
}

func TestCareTeamFromMap(t *testing.T) {
	dc := doc()
	ct, raw := build(t, dc, careteam.Options{})
	if ct.ResourceType != "CareTeam" || ct.ID != mapID || ct.Status != "active" || ct.Name != "Ansvarsgruppe" {
		t.Fatalf("head: %s %s %s %q", ct.ResourceType, ct.ID, ct.Status, ct.Name)
	}
	if ct.Subject.Display != nordic || ct.Subject.Reference != "" {
		t.Errorf("subject %+v", ct.Subject)
	}
	if len(ct.Identifier) != 1 || ct.Identifier[0].Value != "urn:uuid:"+mapID {
		t.Errorf("identifier %+v", ct.Identifier)
	}
	// gp, dps, mother, koord, plan have a relation with the person; tsb has none.
	want := []string{"dps", "gp", "koord", "mother", "plan"}
	if len(ct.Participant) != len(want) {
		t.Fatalf("%d participants, want %d: %s", len(ct.Participant), len(want), raw)
	}
	byName := map[string]int{}
	for i, p := range ct.Participant {
		byName[p.Member.Display] = i
	}
	for i, id := range want {
		if got := ct.Participant[i].Member.Display; got != dc.Actor(id).Name {
			t.Errorf("participant %d: %q, want %q (exactly)", i, got, dc.Actor(id).Name)
		}
	}
	dps := ct.Participant[byName[formula]]
	if dps.Member.Reference != "Organization/dps-nord" || dps.Period.Start != "2026-03-01" || dps.Period.End != "2026-06-14" ||
		dps.Role[0].Coding[0].Code != "serves" || dps.Role[0].Coding[0].System != careteam.RelationTypeSystem {
		t.Errorf("dps: %+v", dps)
	}
	gp := ct.Participant[byName[quoted]]
	if gp.Member.Reference != "" || gp.OnBehalfOf == nil || gp.OnBehalfOf.Reference != "Organization/grorud-legesenter" ||
		len(gp.Role) != 2 || gp.Role[0].Coding[0].Code != "coordinates" || gp.Role[1].Coding[0].Code != "serves" ||
		gp.Role[0].Text != "fastlege;\n\"monthly\"" || gp.Period.Start != "2024-02-01" || gp.Period.End != "" {
		t.Errorf("gp: %+v", gp)
	}
	mother := ct.Participant[byName[twoLine]]
	if len(mother.Role) != 1 || len(mother.Role[0].Coding) != 2 || mother.Role[0].Coding[1].Code != "FAMMEMB" || mother.Member.Reference != "" {
		t.Errorf("mother: %+v", mother)
	}
	koord := ct.Participant[byName["Koordinerende enhet Grorud"]]
	if len(koord.Role) != 2 || koord.Role[1].Coding[0].Code != "coordinator" {
		t.Errorf("the coordinator's roles: %+v", koord.Role)
	}
	if len(ct.ManagingOrganization) != 1 || ct.ManagingOrganization[0].Reference != "Organization/ke-grorud" {
		t.Errorf("managingOrganization %+v", ct.ManagingOrganization)
	}
	if ct.Period.Start != "2000-01-01" || len(ct.Category) != 2 || !strings.Contains(ct.Category[1].Text, "plan") {
		t.Errorf("period %+v category %+v", ct.Period, ct.Category)
	}
	if regexp.MustCompile(`[0-9]{11}`).Match(raw) {
		t.Error("an 11-digit number in the CareTeam")
	}
	inactive, _ := build(t, dc, careteam.Options{Inactive: true})
	if inactive.Status != "inactive" {
		t.Errorf("closed map: status %s", inactive.Status)
	}
	area := doc()
	area.Focus.Kind = stakeholder.FocusMunicipality
	if _, err := careteam.Build(area, careteam.Options{}); err == nil {
		t.Error("a municipality map became a CareTeam")
	}
}

func TestErasedCareTeamHasNoNames(t *testing.T) {
	dc := doc()
	dc.Focus.Label = seal.ErasedText
	for i := range dc.Actors {
		dc.Actors[i].Name = seal.ErasedText
		if dc.Actors[i].Assessment != nil {
			dc.Actors[i].Assessment.Role = seal.ErasedText
		}
	}
	ct, raw := build(t, dc, careteam.Options{Inactive: true})
	for _, n := range []string{"Hansen", "cmd", "Bjørn", "Kari", "fastlege", "Ansvarsgruppe", "Koordinerende"} {
		if bytes.Contains(raw, []byte(n)) {
			t.Errorf("erased CareTeam holds %q", n)
		}
	}
	if ct.Subject.Display != seal.ErasedText || ct.Status != "inactive" {
		t.Errorf("subject %q status %s", ct.Subject.Display, ct.Status)
	}
}

// The Bundle reads back through mapimport: the same people and services,
// of the same sectors, each a member of the team.
func TestBundleImportsBack(t *testing.T) {
	dc := doc()
	b, err := careteam.Bundle(dc, careteam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := careteam.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	back, rep, err := mapimport.FHIR(bytes.NewReader(raw), mapimport.FHIROptions{AsOf: dc.AsOf, MapID: mapID, Municipality: "3203"})
	if err != nil {
		for _, l := range rep.Lines {
			t.Log(l.String())
		}
		t.Fatal(err)
	}
	got := map[string]stakeholder.Sector{}
	for _, a := range back.Actors {
		got[a.Name] = a.Sector
	}
	for _, id := range []string{"citizen", "gp", "dps", "mother", "koord", "plan"} {
		a := dc.Actor(id)
		// The importer folds white space in names (a map document's names
		// hold no line breaks; this test's do, to try the writer).
		if s, ok := got[strings.Join(strings.Fields(a.Name), " ")]; !ok || s != a.Sector {
			t.Errorf("%s (%q): back as %q (present %v)", id, a.Name, s, ok)
		}
	}
	if _, ok := got["TSB Øst"]; ok {
		t.Error("an actor without a tie to the person came back")
	}
	if back.Plan == nil || back.Plan.Status != stakeholder.PlanActive {
		t.Errorf("plan %+v", back.Plan)
	}
	// The DPS stay ends on 15 June again (the FHIR end is inclusive).
	found := false
	for _, r := range back.Relations {
		if a := back.Actor(r.From); a != nil && a.Name == formula && r.Type == stakeholder.RelServes {
			found = r.ValidFrom == d("2026-03-01") && r.ValidTo == d("2026-06-15")
		}
	}
	if !found {
		t.Errorf("the DPS stay did not come back as serves 2026-03-01 to 2026-06-15: %+v", back.Relations)
	}
}

// Every sector comes back as itself, except peer (user-org) and informal
// organisations (civil-society).
func TestBundleSectorsImportBack(t *testing.T) {
	for _, s := range stakeholder.Sectors() {
		if s == stakeholder.SectorCitizen {
			continue
		}
		for _, kind := range []stakeholder.Kind{stakeholder.KindPerson, stakeholder.KindService} {
			dc := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: mapID, AsOf: d("2026-11-23"),
				Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Ola", Municipality: "3203"},
				Actors: []mapdoc.Actor{{ID: "citizen", Kind: "person", Sector: "citizen", Level: "individual", Name: "Ola"},
					{ID: "x", Kind: kind, Sector: s, Level: "service", Name: "X"}},
				Relations: []mapdoc.Relation{{ID: "r1", From: "x", To: "citizen", Type: "serves", ValidFrom: d("2026-01-01")}}}
			b, err := careteam.Bundle(dc, careteam.Options{})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := careteam.Marshal(b)
			back, rep, err := mapimport.FHIR(bytes.NewReader(raw), mapimport.FHIROptions{AsOf: dc.AsOf, MapID: mapID, Municipality: "3203"})
			if err != nil {
				t.Errorf("%s %s: %v %v", kind, s, err, rep.Lines)
				continue
			}
			want := s
			switch {
			case s == stakeholder.SectorPeer:
				want = stakeholder.SectorUserOrg
			case s == stakeholder.SectorInformal && kind != stakeholder.KindPerson:
				want = stakeholder.SectorCivilSociety
			}
			for _, a := range back.Actors {
				if a.Name == "X" && a.Sector != want {
					t.Errorf("%s %s came back as %s, want %s", kind, s, a.Sector, want)
				}
			}
		}
	}
}
