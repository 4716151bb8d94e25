package mapimport_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/stakeholder"
)

func fhirImporter(r io.Reader) (*mapdoc.Document, mapimport.Report, error) {
	return mapimport.FHIR(r, fhirOpts)
}

func TestFHIRGolden(t *testing.T) { goldenAll(t, "fhir", ".json", fhirImporter) }

func importFHIR(t *testing.T, in string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	return importString(t, fhirImporter, in)
}

func importFHIRFile(t *testing.T, name string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	return importFile(t, fhirImporter, "fhir", name)
}

func relation(doc *mapdoc.Document, from, to string, typ stakeholder.RelationType) *mapdoc.Relation {
	for i, r := range doc.Relations {
		if r.From == from && r.To == to && r.Type == typ {
			return &doc.Relations[i]
		}
	}
	return nil
}

func TestFHIRCareTeam(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "careteam.json")
	wantAccepted(t, doc, rep, err)
	if doc.Focus.Label != "Ola N." || doc.Focus.Municipality != "0301" || doc.Actors[0].ID != "citizen" {
		t.Errorf("focus %+v, first actor %+v", doc.Focus, doc.Actors[0])
	}
	// The Patient's identifier (a fødselsnummer) is never copied.
	if out := string(mapdoc.Canonical(doc)); strings.Contains(out, "15108695088") || strings.Contains(out, "1986-10-15T") {
		t.Error("an identifier was copied into the document")
	}
	for _, c := range []struct {
		id     string
		sector stakeholder.Sector
		kind   stakeholder.Kind
	}{
		{"grorud-legekontor", stakeholder.SectorPrimaryHealth, stakeholder.KindOrganisation},
		{"dps-groruddalen", stakeholder.SectorSpecialistMH, stakeholder.KindOrganisation},
		{"nav-grorud", stakeholder.SectorWelfareWork, stakeholder.KindOrganisation},
		{"kari-hansen", stakeholder.SectorPrimaryHealth, stakeholder.KindPerson},
		{"jonas-lie", stakeholder.SectorSpecialistMH, stakeholder.KindPerson},
		{"anne-nilsen", stakeholder.SectorInformal, stakeholder.KindPerson},
		{"ansvarsgruppe-for-ola", stakeholder.SectorGovernance, stakeholder.KindForum},
	} {
		a := doc.Actor(c.id)
		if a == nil || a.Sector != c.sector || a.Kind != c.kind {
			t.Errorf("actor %s = %+v; want %s %s", c.id, a, c.sector, c.kind)
		}
	}
	if a := doc.Actor("anne-nilsen"); a.Level != stakeholder.LevelIndividual || a.Assessment == nil || a.Assessment.Role != "Mor" {
		t.Errorf("related person %+v", a)
	}
	forum := "ansvarsgruppe-for-ola"
	for _, c := range []struct {
		from, to string
		typ      stakeholder.RelationType
		from0    string
		to0      string
	}{
		{"kari-hansen", "grorud-legekontor", stakeholder.RelMemberOf, "2019-03-01", ""},
		{"jonas-lie", "dps-groruddalen", stakeholder.RelMemberOf, "2025-01-15", ""},
		{"anne-nilsen", "citizen", stakeholder.RelFamily, "1986-10-15", ""},
		{"citizen", forum, stakeholder.RelMemberOf, "2026-03-01", ""},
		{"kari-hansen", forum, stakeholder.RelMemberOf, "2026-03-01", ""},
		{"kari-hansen", "citizen", stakeholder.RelServes, "2026-03-01", ""},
		{"jonas-lie", forum, stakeholder.RelMemberOf, "2026-04-10", ""},
		{"jonas-lie", "citizen", stakeholder.RelServes, "2026-04-10", ""},
		// FHIR's end is inclusive; validTo is the first day after it.
		{"nav-grorud", forum, stakeholder.RelMemberOf, "2026-05-01", "2027-01-01"},
		{"nav-grorud", "citizen", stakeholder.RelServes, "2026-05-01", "2027-01-01"},
		{"anne-nilsen", forum, stakeholder.RelMemberOf, "2026-03-01", ""},
	} {
		r := relation(doc, c.from, c.to, c.typ)
		if r == nil {
			t.Errorf("no relation %s %s %s", c.from, c.typ, c.to)
			continue
		}
		if r.ValidFrom.String() != c.from0 || r.ValidTo.String() != c.to0 {
			t.Errorf("%s %s %s: %s to %s; want %s to %s", c.from, c.typ, c.to, r.ValidFrom, r.ValidTo, c.from0, c.to0)
		}
	}
	if relation(doc, "anne-nilsen", "citizen", stakeholder.RelServes) != nil {
		t.Error("a next of kin serves the person")
	}
	if len(doc.Relations) != 11 {
		t.Errorf("%d relations, want 11", len(doc.Relations))
	}
	if p := doc.Plan; p == nil || p.Actor != forum || p.Status != stakeholder.PlanActive || p.Created.String() != "2026-03-01" {
		t.Errorf("plan %+v", p)
	}
	wantLine(t, rep, "Bundle.entry[9] (Observation/obs1)", false, "not imported; skipped")
	wantLine(t, rep, "Bundle.entry[10] (CareTeam/ag1)", false, "relations r4 to r11", "individual plan")
}

func TestFHIRDangling(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "dangling.json")
	wantRejected(t, doc, err)
	wantLine(t, rep, "Bundle.entry[2] (PractitionerRole/r1)", true, `"Practitioner/missing", which is not in the bundle`)
	wantLine(t, rep, "Bundle.entry[3] (RelatedPerson/rp)", true, `"Patient/other", which is not in the bundle`)
	wantLine(t, rep, "Bundle.entry[4] (CareTeam/ct)", true, "participant[1].member refers to", "participant[2].member has no reference", "contained")
}

func TestFHIRNoPatient(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "no-patient.json")
	wantRejected(t, doc, err)
	wantLine(t, rep, "Bundle", true, "has no Patient")
	wantLine(t, rep, "Bundle.entry[1] (Encounter/e1)", false, "skipped")
}

func TestFHIRPeriods(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "period-backwards.json")
	wantRejected(t, doc, err)
	wantLine(t, rep, "Bundle.entry[2] (RelatedPerson/rp)", true, `period ends ("2024-04-30") before it starts ("2024-05-01")`)
	wantLine(t, rep, "Bundle.entry[3] (CareTeam/ct)", true,
		"participant[0].period (completed from the care team's period) ends",
		`participant[1].period.start "2026-02-30" is not a FHIR date`,
		`participant[2].period.start "in May" is not a FHIR date`,
		"participant[3].period starts after asOf")
}

func TestFHIRNotABundle(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "not-a-bundle.json")
	wantRejected(t, doc, err)
	wantLine(t, rep, "file", true, `is a "Patient", not a Bundle`)
}

func TestFHIRHostile(t *testing.T) {
	doc, rep, err := importFHIRFile(t, "hostile.json")
	wantRejected(t, doc, err)
	wantLine(t, rep, "Bundle.entry[0] (Patient/***********)", true, "the name holds what looks like a Norwegian fødselsnummer")
	wantLine(t, rep, "Bundle.entry[1] (Patient/second)", true, "second Patient")
	wantLine(t, rep, "Bundle.entry[2] (Organization/o1)", true, `its type "Healthcare Provider" does not tell its sector`)
	wantLine(t, rep, "Bundle.entry[3] (Organization/o2)", true, "name is number")
	wantLine(t, rep, "Bundle.entry[4] (Practitioner/x)", true, "has no PractitionerRole")
	wantLine(t, rep, "Bundle.entry[5] (Observation/***********)", false, "skipped")
	wantLine(t, rep, "Bundle.entry[6] (Organization/o1)", true, "same resource")
	wantLine(t, rep, "Bundle.entry[8] (Practitioner/y)", true, "the name holds what looks like")
	if l := lineAt(t, rep, "Bundle.entry[8] (Practitioner/y)"); strings.Contains(l.Problem, "PractitionerRole") {
		t.Errorf("a rejected name hides the role: %s", l)
	}
	if out := render(doc, rep, err); strings.Contains(out, "95088") {
		t.Errorf("the report quotes the digits:\n%s", out)
	}
}

// nest returns a bundle whose Patient carries an extension nested n deep.
func nest(n int) string {
	return `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p","name":[{"text":"Ola"}],"extension":` +
		strings.Repeat("[", n) + strings.Repeat("]", n) + `}}]}`
}

func TestFHIRFileProblems(t *testing.T) {
	many := `{"resourceType":"Bundle","entry":[` + strings.Repeat(`{},`, mapimport.MaxFHIREntries) + `{}]}`
	big := `{"resourceType":"Bundle","entry":[],"x":"` + strings.Repeat("a", mapimport.MaxFHIRSize) + `"}`
	for _, c := range []struct {
		name, in, where, problem string
	}{
		{"deeply nested junk", nest(100000), "file", "nested deeper than 100"},
		{"nested file", "", "file", "nested deeper than 100"},
		{"not JSON", "<Bundle/>", "file", "not valid JSON (at byte 1)"},
		{"truncated", `{"resourceType":"Bundle","entry":[`, "file", "not valid JSON"},
		{"array", `[{"resourceType":"Bundle"}]`, "file", "not a JSON object"},
		{"no resourceType", `{"entry":[]}`, "file", "has no resourceType"},
		{"entry not an array", `{"resourceType":"Bundle","entry":{}}`, "Bundle", "entry is not an array"},
		{"too many entries", many, "Bundle", "has 2001 entries"},
		{"too large", big, "file", "larger than 8 MiB"},
		{"not UTF-8", "{\"resourceType\":\"Bundle\",\"x\":\"\xff\"}", "file", "not UTF-8"},
		{"empty bundle", `{"resourceType":"Bundle"}`, "Bundle", "has no Patient"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if c.name == "nested file" {
				b, err := os.ReadFile(filepath.Join("testdata", "fhir", "nested.json"))
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			doc, rep, err := importFHIR(t, in)
			wantRejected(t, doc, err)
			wantLine(t, rep, c.where, true, c.problem)
		})
	}
	// Nesting within the limit is read past.
	doc, rep, err := importFHIR(t, nest(90))
	wantAccepted(t, doc, rep, err)
}

// bundle wraps resources (JSON objects) in a Bundle with a Patient first.
func bundle(resources ...string) string {
	entries := []string{`{"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111","resource":{"resourceType":"Patient","id":"p","name":[{"given":["Ola"],"family":"N."}]}}`}
	for _, r := range resources {
		entries = append(entries, `{"resource":`+r+`}`)
	}
	return `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`
}

func TestFHIRDates(t *testing.T) {
	org := `{"resourceType":"Organization","id":"o","name":"Rusklinikken","type":[{"text":"TSB"}]}`
	team := func(period string) string {
		return bundle(org, `{"resourceType":"CareTeam","id":"t","name":"Team","status":"active","participant":[{"member":{"reference":"Organization/o"},"period":`+period+`}]}`)
	}
	for _, c := range []struct {
		period, from, to string
	}{
		{`{"start":"2024","end":"2024"}`, "2024-01-01", "2025-01-01"},
		{`{"start":"2024-02","end":"2024-02"}`, "2024-02-01", "2024-03-01"},
		{`{"start":"2024-02-29T23:30:00-05:00","end":"2024-03-01T00:10:00.123Z"}`, "2024-02-29", "2024-03-02"},
		{`{"start":"2026-10-31","end":"2200-12-31"}`, "2026-10-31", ""},
		{`{"end":"2020-06-30"}`, "2020-06-30", "2020-07-01"},
		{`{"end":"2030-06-30"}`, "2026-11-01", "2030-07-01"},
		{`{}`, "2026-11-01", ""},
	} {
		t.Run(c.period, func(t *testing.T) {
			doc, rep, err := importFHIR(t, team(c.period))
			wantAccepted(t, doc, rep, err)
			r := relation(doc, "rusklinikken", "citizen", stakeholder.RelServes)
			if r == nil || r.ValidFrom.String() != c.from || r.ValidTo.String() != c.to {
				t.Fatalf("serves = %+v; want %s to %s", r, c.from, c.to)
			}
		})
	}
	for _, bad := range []string{"2024-13", "24-01-01", "2024-01-01T10:00", "2024-01-01T25:00:00Z", "1899", "2024-02-30", "2024-01-01 10:00:00Z"} {
		t.Run(bad, func(t *testing.T) {
			doc, rep, err := importFHIR(t, team(`{"start":"`+bad+`"}`))
			wantRejected(t, doc, err)
			wantLine(t, rep, "Bundle.entry[2] (CareTeam/t)", true, "is not a FHIR date")
		})
	}
}

func TestFHIRResolution(t *testing.T) {
	in := bundle(
		`{"resourceType":"Organization","id":"o","name":"NAV Alna","type":[{"coding":[{"code":"nav"}]}]}`,
		`{"resourceType":"Practitioner","id":"a","name":[{"given":["Siri"],"family":"Dahl"}]}`,
		`{"resourceType":"PractitionerRole","id":"ra","practitioner":{"reference":"https://x.example/fhir/Practitioner/a/_history/3"},"organization":{"reference":"Organization/o"}}`,
		`{"resourceType":"Practitioner","id":"b","name":[{"text":"Siri Dahl"}]}`,
		`{"resourceType":"PractitionerRole","id":"rb","practitioner":{"reference":"Practitioner/b"},"code":[{"coding":[{"display":"General practitioner"}]}]}`,
		`{"resourceType":"RelatedPerson","id":"v","patient":{"reference":"urn:uuid:11111111-1111-4111-8111-111111111111"},"relationship":[{"coding":[{"code":"FRND"}]}]}`,
		`{"resourceType":"CareTeam","id":"t","status":"entered-in-error","name":"Old"}`,
		`{"resourceType":"CareTeam","id":"u","status":"active","category":[{"text":"SIP"}],"participant":[{"member":{"reference":"PractitionerRole/ra"}},{"member":{"reference":"PractitionerRole/ra"}},{}]}`,
	)
	doc, rep, err := importFHIR(t, in)
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "Bundle.entry[2] (Practitioner/a)", false, `actor "siri-dahl" (welfare-work, person)`)
	wantLine(t, rep, "Bundle.entry[4] (Practitioner/b)", false, `actor "siri-dahl-2" (primary-health, person)`)
	wantLine(t, rep, "Bundle.entry[6] (RelatedPerson/v)", false, `actor "friend" (informal, person)`, "named after the relationship", "friend serves citizen")
	wantLine(t, rep, "Bundle.entry[7] (CareTeam/t)", false, "entered-in-error; skipped")
	wantLine(t, rep, "Bundle.entry[8] (CareTeam/u)", false, `actor "sip"`, `has no name; named "SIP"`, "participant[2] has no member", "no start; taken as asOf", "without a start date")
	if doc.Plan != nil {
		t.Errorf("a plan without a start date: %+v", doc.Plan)
	}
	// The participant listed twice gives one member-of and one serves.
	n := 0
	for _, r := range doc.Relations {
		if r.From == "siri-dahl" && (r.To == "sip" || r.To == "citizen") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d relations of siri-dahl to the team and the person, want 2", n)
	}
}

func TestFHIRDeterministic(t *testing.T) {
	assertDeterministic(t, fhirImporter, "fhir", "careteam.json")
}

func TestFHIROptions(t *testing.T) {
	for name, mod := range map[string]func(*mapimport.FHIROptions){
		"map id":       func(o *mapimport.FHIROptions) { o.MapID = "" },
		"asOf":         func(o *mapimport.FHIROptions) { o.AsOf = date.Date{} },
		"municipality": func(o *mapimport.FHIROptions) { o.Municipality = "Oslo" },
	} {
		t.Run(name, func(t *testing.T) {
			o := fhirOpts
			mod(&o)
			_, _, err := mapimport.FHIR(strings.NewReader(bundle()), o)
			if !errors.Is(err, mapimport.ErrOptions) {
				t.Fatalf("got %v, want ErrOptions", err)
			}
		})
	}
}
