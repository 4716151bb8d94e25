package mapimport_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/mapimport"
	"github.com/samspill/samspill/pkg/stakeholder"
)

func isRejected(err error) bool { return errors.Is(err, mapimport.ErrRejected) }

func csvImporter(r io.Reader) (*mapdoc.Document, mapimport.Report, error) {
	return mapimport.CSV(r, csvOpts)
}

func TestCSVGolden(t *testing.T) { goldenAll(t, "csv", ".csv", csvImporter) }

func importCSV(t *testing.T, in string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	return importString(t, csvImporter, in)
}

func importCSVFile(t *testing.T, name string) (*mapdoc.Document, mapimport.Report, error) {
	t.Helper()
	return importFile(t, csvImporter, "csv", name)
}

func wantRejected(t *testing.T, doc *mapdoc.Document, err error) {
	t.Helper()
	if !errors.Is(err, mapimport.ErrRejected) || doc != nil {
		t.Fatalf("got document %v, error %v; want nil and ErrRejected", doc != nil, err)
	}
}

func wantAccepted(t *testing.T, doc *mapdoc.Document, rep mapimport.Report, err error) {
	t.Helper()
	if err != nil || doc == nil {
		t.Fatalf("error %v; report:\n%s", err, render(nil, rep, nil))
	}
}

func actorNamed(doc *mapdoc.Document, name string) *mapdoc.Actor {
	for i := range doc.Actors {
		if doc.Actors[i].Name == name {
			return &doc.Actors[i]
		}
	}
	return nil
}

func TestCSVNorwegianForm(t *testing.T) {
	doc, rep, err := importCSVFile(t, "rop-no.csv")
	wantAccepted(t, doc, rep, err)
	if len(doc.Actors) != 13 || len(doc.Relations) != 12 {
		t.Fatalf("%d actors, %d relations; want 13 and 12", len(doc.Actors), len(doc.Relations))
	}
	for _, c := range []struct {
		name   string
		id     string
		sector stakeholder.Sector
		kind   stakeholder.Kind
		level  stakeholder.Level
	}{
		{"Dr. Kari Hansen", "dr-kari-hansen", stakeholder.SectorPrimaryHealth, stakeholder.KindPerson, stakeholder.LevelService},
		{"DPS Groruddalen, poliklinikk", "dps-groruddalen-poliklinikk", stakeholder.SectorSpecialistMH, stakeholder.KindService, stakeholder.LevelService},
		{"LAR Oslo", "lar-oslo", stakeholder.SectorSpecialistSU, stakeholder.KindService, stakeholder.LevelService},
		{"NAV Grorud", "nav-grorud", stakeholder.SectorWelfareWork, stakeholder.KindService, stakeholder.LevelService},
		{"Boligkontoret Grorud", "boligkontoret-grorud", stakeholder.SectorHousing, stakeholder.KindService, stakeholder.LevelService},
		{"Anne Nilsen", "anne-nilsen", stakeholder.SectorInformal, stakeholder.KindPerson, stakeholder.LevelIndividual},
		{"Per", "per", stakeholder.SectorPeer, stakeholder.KindPerson, stakeholder.LevelService},
		{"Ansvarsgruppe", "ansvarsgruppe", stakeholder.SectorGovernance, stakeholder.KindForum, stakeholder.LevelService},
	} {
		a := actorNamed(doc, c.name)
		if a == nil {
			t.Errorf("no actor %q", c.name)
			continue
		}
		if a.ID != c.id || a.Sector != c.sector || a.Kind != c.kind || a.Level != c.level {
			t.Errorf("%q = %s %s %s %s; want %s %s %s %s", c.name, a.ID, a.Sector, a.Kind, a.Level, c.id, c.sector, c.kind, c.level)
		}
	}
	// The quoted value with a separator, doubled quotes and a line break.
	if a := actorNamed(doc, "Boligkontoret Grorud"); a.Assessment.Role != "Kommunal bolig; søknad om \"bemannet bolig\"\ner under behandling" {
		t.Errorf("notes = %q", a.Assessment.Role)
	}
	if doc.Coordinator == nil || doc.Coordinator.Actor != "psykisk-helse-og-rus-grorud" {
		t.Errorf("coordinator = %+v", doc.Coordinator)
	}
	for _, r := range doc.Relations {
		if r.ValidFrom != asOf || r.Quality != stakeholder.QualityUnknown {
			t.Errorf("relation %s: validFrom %s quality %s", r.ID, r.ValidFrom, r.Quality)
		}
	}
	wantLine(t, rep, "row 6", false, "blank line, skipped")
	wantLine(t, rep, "row 7", false, `actor "boligkontoret-grorud"`)
	wantLine(t, rep, "row 9", false, "coordinates citizen", "coordinator")
	wantLine(t, rep, "row 13", false, "citizen member-of mental-helse-oslo")
	wantLine(t, rep, "row 15", false, `influence "veldig" not understood`)
}

func TestCSVHostileFormula(t *testing.T) {
	doc, rep, err := importCSVFile(t, "hostile-formula.csv")
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "row 2", false, "spreadsheet formula", "kept as plain text")
	wantLine(t, rep, "row 3", false, "spreadsheet formula")
	if actorNamed(doc, "=cmd|' /C calc'!A0") == nil || actorNamed(doc, "@SUM(1+1)*cmd|' /C calc'!A0") == nil {
		t.Errorf("the formulas are not kept as text: %s", mapdoc.Canonical(doc))
	}
}

func TestCSVHostileNationalID(t *testing.T) {
	doc, rep, err := importCSVFile(t, "hostile-nationalid.csv")
	wantRejected(t, doc, err)
	wantLine(t, rep, "row 2", false, `actor "ola-hansen"`)
	wantLine(t, rep, "row 3", true, "the name column holds what looks like a Norwegian fødselsnummer")
	wantLine(t, rep, "row 4", true, "the notes column holds what looks like a Norwegian fødselsnummer")
	if out := render(doc, rep, err); strings.Contains(out, "95088") || strings.Contains(out, "151086") {
		t.Errorf("the report quotes the digits:\n%s", out)
	}
}

func TestCSVHostileSector(t *testing.T) {
	doc, rep, err := importCSVFile(t, "hostile-sector.csv")
	wantRejected(t, doc, err)
	wantLine(t, rep, "row 3", true, `sector "psykolog" is not known`, "primary-health", "fastlege")
	if rep.Rejected != 1 {
		t.Errorf("Rejected = %d, want 1", rep.Rejected)
	}
}

func TestCSVHostileRows(t *testing.T) {
	doc, rep, err := importCSVFile(t, "hostile-rows.csv")
	wantRejected(t, doc, err)
	wantLine(t, rep, "row 3", true, "the same name and sector as row 2")
	wantLine(t, rep, "row 4", false, `actor "oystein-aerlig"`)
	wantLine(t, rep, "row 5", true, "the name is empty")
	wantLine(t, rep, "row 6", true, "has 4 values but the header has 3 columns")
	wantLine(t, rep, "row 7", true, `kind "robot" is not known`)
}

func TestCSVHostileUnterminatedQuote(t *testing.T) {
	doc, rep, err := importCSVFile(t, "hostile-quote.csv")
	wantRejected(t, doc, err)
	wantLine(t, rep, "row 2", false, `actor "dr-hansen"`)
	wantLine(t, rep, "row 3", true, "closing \" is missing", "nothing after it was read")
	if n := len(rep.Lines); n != 3 {
		t.Errorf("%d lines, want 3 (header, row 2, row 3)", n)
	}
}

func TestCSVHostileBinary(t *testing.T) {
	for name, problem := range map[string]string{
		"hostile-binary.csv":   "spreadsheet workbook",
		"hostile-controls.csv": "binary data",
	} {
		t.Run(name, func(t *testing.T) {
			doc, rep, err := importCSVFile(t, name)
			wantRejected(t, doc, err)
			wantLine(t, rep, "file", true, problem)
			if len(rep.Lines) != 1 {
				t.Errorf("%d lines, want 1", len(rep.Lines))
			}
		})
	}
}

// rows returns a form with n actor rows.
func rows(n int) string {
	var b strings.Builder
	b.WriteString("navn;sektor;betydning\n")
	for i := range n {
		fmt.Fprintf(&b, "Tjeneste %d;NAV;høy\n", i+1)
	}
	return b.String()
}

func TestCSVRowLimit(t *testing.T) {
	doc, rep, err := importCSV(t, rows(501))
	wantRejected(t, doc, err)
	wantLine(t, rep, "file", true, "more than 500 actor rows")
	if len(rep.Lines) != 2 { // the header and the file
		t.Errorf("%d lines, want 2:\n%s", len(rep.Lines), render(nil, rep, nil))
	}

	doc, rep, err = importCSV(t, rows(500)+"\n\n")
	wantAccepted(t, doc, rep, err)
	if len(doc.Actors) != 501 {
		t.Errorf("%d actors, want 501", len(doc.Actors))
	}
	wantLine(t, rep, "rows 502 to 503", false, "blank lines, skipped")
}

func TestCSVSizeLimits(t *testing.T) {
	long := "navn;sektor;notater\nDr. Hansen;fastlege;" + strings.Repeat("x", mapimport.MaxCSVLine) + "\nNAV;NAV;ok\n"
	doc, rep, err := importCSV(t, long)
	wantRejected(t, doc, err)
	wantLine(t, rep, "row 2", true, "line 2 is longer than 4096 bytes")
	wantLine(t, rep, "row 3", false, `actor "nav"`)

	// A quoted value over several lines is fine as long as each line is.
	multi := "navn;sektor;notater\nDr. Hansen;fastlege;\"" + strings.Repeat(strings.Repeat("y", 100)+"\n", 15) + "\"\n"
	doc, rep, err = importCSV(t, multi)
	wantAccepted(t, doc, rep, err)

	doc, rep, err = importCSV(t, "navn;sektor\n"+strings.Repeat("Kari;pårørende;"+strings.Repeat(" ", 1000)+"\n", 1100))
	wantRejected(t, doc, err)
	wantLine(t, rep, "file", true, "larger than 1 MiB")
}

func TestCSVFileProblems(t *testing.T) {
	for _, c := range []struct {
		name, in, where, problem string
	}{
		{"empty", "", "file", "is empty"},
		{"only blank lines", "\r\n;;;\r\n\r\n", "file", "is empty"},
		{"no header", "Dr. Hansen;fastlege;person\n", "header", "no name column"},
		{"no sector column", "navn;type\nKari;person\n", "header", "no sector column"},
		{"two name columns", "navn;aktør;sektor\nA;B;NAV\n", "header", "columns 1 and 2 are both the name column"},
		{"national id in the header", "navn;sektor;151086 95088\n", "header", "column 3 holds what looks like"},
		{"bare quote", "navn;sektor\nDr. \"Bob\" Hansen;fastlege\n", "row 2", "put the whole value in quotes"},
		{"text after a closing quote", "navn;sektor\n\"Dr. Bob\" Hansen;fastlege\n", "row 2", "text follows it"},
		{"UTF-16", "\xFF\xFEn\x00a\x00", "file", "UTF-16"},
		{"not Windows-1252", "navn;sektor\nB\x81rge;venn\n", "file", "neither UTF-8 nor Windows-1252"},
		{"sep line with a tab", "sep=\t\nnavn\tsektor\n", "row 1", "separator other than"},
		{"citizen row", "navn;sektor\nOla;citizen\n", "row 2", "comes from the import options"},
		{"empty sector", "navn;sektor\nOla;\n", "row 2", "the sector is empty"},
		{"member of a person", "navn;sektor;relasjon\nDr. Hansen;fastlege;medlem\n", "row 2", "member-of"},
		{"long name", "navn;sektor\n" + strings.Repeat("å", 201) + ";NAV\n", "row 2", "longer than 200 characters"},
		{"long notes", "navn;sektor;notater\nNAV;NAV;\"" + strings.Repeat(strings.Repeat("n", 1000)+"\n", 3) + "\"\n", "row 2", "longer than 2000 characters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, rep, err := importCSV(t, c.in)
			wantRejected(t, doc, err)
			wantLine(t, rep, c.where, true, c.problem)
		})
	}
}

func TestCSVAdjustments(t *testing.T) {
	in := "Name,Sector,Kind,Relation,Importance,Influence,Notes,Phone\n" +
		"Åse Ødegård,informal,,,HIGH,,,\n" +
		"Kari,informal,person,friend,,,,\n" +
		"Kari,NAV,service,sends letters,,,,\n" +
		"Citizen,civil-society,,,,,,\n" +
		"\"Line\nbreak\",housing,,,,,,\n" +
		"151086/95088,justice,,,,,,\n"
	doc, rep, err := importCSV(t, in)
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "header", false, `column 8 "Phone" is not a column of the form; ignored`)
	wantLine(t, rep, "row 2", false, `actor "ase-odegard" (informal, person)`, "kind empty; taken as person", "relation empty; taken as family")
	wantLine(t, rep, "row 3", false, `actor "kari"`, "kari serves citizen")
	wantLine(t, rep, "row 4", false, `actor "kari-2"`, `relation "sends letters" not understood; taken as serves`)
	wantLine(t, rep, "row 5", false, `actor "citizen-2"`)
	wantLine(t, rep, "row 6", false, `actor "line-break"`, "line break in the name became a space")
	// The name passes the guard ('/' is no separator of a national id), but
	// its slug would not: the id falls back to "actor".
	wantLine(t, rep, "row 8", false, `actor "actor"`)
	if a := actorNamed(doc, "Åse Ødegård"); a == nil || a.Assessment == nil || a.Assessment.Importance != stakeholder.High {
		t.Errorf("Åse Ødegård: %+v", a)
	}
	if a := actorNamed(doc, "Line break"); a == nil {
		t.Error("no actor \"Line break\"")
	}
}

func TestCSVExcelVariants(t *testing.T) {
	doc, rep, err := importCSVFile(t, "cp1252.csv")
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "file", false, "Windows-1252")
	if actorNamed(doc, "Børge – nabo") == nil {
		t.Errorf("Windows-1252 misread:\n%s", mapdoc.Canonical(doc))
	}

	doc, rep, err = importCSVFile(t, "excel-sep.csv")
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "rows 3 to 4", false, "blank lines, skipped")
	wantLine(t, rep, "row 5", false, `actor "dr-ruud"`)
	wantLine(t, rep, "row 6", false, "blank line, skipped")
	wantLine(t, rep, "row 7", false, `actor "dps-nord"`)
}

func TestCSVDeterministic(t *testing.T) { assertDeterministic(t, csvImporter, "csv", "rop-no.csv") }

func TestCSVOptions(t *testing.T) {
	form := "navn;sektor\nKari;pårørende\n"
	for name, mod := range map[string]func(*mapimport.CSVOptions){
		"map id not a UUID":      func(o *mapimport.CSVOptions) { o.MapID = "map-1" },
		"map id upper case":      func(o *mapimport.CSVOptions) { o.MapID = strings.ToUpper(mapID) },
		"no asOf":                func(o *mapimport.CSVOptions) { o.AsOf = date.Date{} },
		"asOf out of range":      func(o *mapimport.CSVOptions) { o.AsOf = date.New(2300, 1, 1) },
		"region focus":           func(o *mapimport.CSVOptions) { o.Focus.Kind = stakeholder.FocusRegion },
		"no municipality":        func(o *mapimport.CSVOptions) { o.Focus.Municipality = "" },
		"no names":               func(o *mapimport.CSVOptions) { o.Focus.Label, o.CitizenName = "", " " },
		"national id in a name":  func(o *mapimport.CSVOptions) { o.CitizenName = "Ola 151086 95088" },
		"national id in a label": func(o *mapimport.CSVOptions) { o.Focus.Label = "15108695088" },
	} {
		t.Run(name, func(t *testing.T) {
			o := csvOpts
			mod(&o)
			doc, rep, err := mapimport.CSV(strings.NewReader(form), o)
			if !errors.Is(err, mapimport.ErrOptions) || errors.Is(err, mapimport.ErrRejected) || doc != nil || len(rep.Lines) != 0 {
				t.Fatalf("got %v, %d lines; want ErrOptions", err, len(rep.Lines))
			}
			if strings.Contains(err.Error(), "95088") {
				t.Errorf("the error quotes the number: %v", err)
			}
		})
	}
	// Defaults: an empty focus kind is citizen, an empty name the label.
	o := csvOpts
	o.Focus.Kind, o.CitizenName = "", ""
	doc, rep, err := mapimport.CSV(strings.NewReader(form), o)
	wantAccepted(t, doc, rep, err)
	if doc.Actors[0].Name != "Ola N." || doc.Focus.Kind != stakeholder.FocusCitizen {
		t.Errorf("citizen %q, focus %q", doc.Actors[0].Name, doc.Focus.Kind)
	}
}

func TestCSVColumnOrder(t *testing.T) {
	in := "KOMMENTAR;Påvirkning;Art;Aktør;Relasjon;SEKTOR;Betydning\n" +
		"Ringer ofte;lav;person;Kari Nordmann;søster;Familie;høy\n"
	doc, rep, err := importCSV(t, in)
	wantAccepted(t, doc, rep, err)
	wantLine(t, rep, "header", false, "columns name, sector, kind, relation, importance, influence, notes")
	a := doc.Actor("kari-nordmann")
	if a == nil || a.Sector != stakeholder.SectorInformal || a.Kind != stakeholder.KindPerson || a.Assessment == nil ||
		a.Assessment.Importance != stakeholder.High || a.Assessment.Influence != stakeholder.Low || a.Assessment.Role != "Ringer ofte" {
		t.Fatalf("actor %+v", a)
	}
	if r := doc.Relations[0]; r.From != "kari-nordmann" || r.To != "citizen" || r.Type != stakeholder.RelFamily {
		t.Errorf("relation %+v", r)
	}
	in = "merknad,relation,kind,influence,importance,sector,name\n,coordinates,service,high,,koordinerende enhet,Koordinerende enhet Alna\n"
	doc, rep, err = importCSV(t, in)
	wantAccepted(t, doc, rep, err)
	if doc.Coordinator == nil || doc.Coordinator.Actor != "koordinerende-enhet-alna" || doc.Coordinator.Assigned != asOf {
		t.Errorf("coordinator %+v", doc.Coordinator)
	}
}
