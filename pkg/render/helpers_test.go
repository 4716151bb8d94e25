package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// readDoc reads and validates a map document of testdata.
func readDoc(t *testing.T, name string) *mapdoc.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parseDoc(t, b)
}

func parseDoc(t *testing.T, b []byte) *mapdoc.Document {
	t.Helper()
	v, err := mapdoc.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := v.Parse(b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if doc == nil {
		t.Fatal("not a map document")
	}
	return doc
}

// citizenGaps evaluates the citizen rules on a document.
func citizenGaps(t *testing.T, doc *mapdoc.Document) []gaps.Gap {
	t.Helper()
	gs, err := gaps.Citizen(doc, gaps.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

// readSystem reads the hand-written system result of testdata.
func readSystem(t *testing.T) *gaps.SystemResult {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "system.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res gaps.SystemResult
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\ngot  %s\nwant %s\n(run go test -update if the change is intended)", name, i+1, g, w)
			}
		}
	}
}

// stmt is a statement of DOT this package wrote: one per line.
type stmt struct {
	ids   []string          // the node, or the two ends of an edge
	attrs map[string]string // values unescaped; HTML labels as written
	html  map[string]bool
}

var idRe = regexp.MustCompile(`^\t*"((?:[^"\\]|\\.)*)"(?: -- "((?:[^"\\]|\\.)*)")? \[`)

// statements returns the node and edge statements of DOT this package
// wrote (one statement per line, ids and values quoted).
func statements(t *testing.T, b []byte) []stmt {
	t.Helper()
	var out []stmt
	for _, ln := range strings.Split(string(b), "\n") {
		m := idRe.FindStringSubmatch(ln)
		if m == nil {
			continue
		}
		s := stmt{ids: []string{unquote(m[1])}, attrs: map[string]string{}, html: map[string]bool{}}
		if m[2] != "" {
			s.ids = append(s.ids, unquote(m[2]))
		}
		rest := ln[len(m[0]):]
		for rest != "" && rest[0] != ']' {
			eq := strings.IndexByte(rest, '=')
			key := rest[:eq]
			rest = rest[eq+1:]
			var val string
			switch rest[0] {
			case '"':
				i := 1
				for ; rest[i] != '"'; i++ {
					if rest[i] == '\\' {
						i++
					}
				}
				val, rest = unquote(rest[1:i]), rest[i+1:]
			case '<':
				depth, i := 0, 0
				for ; ; i++ {
					if rest[i] == '<' {
						depth++
					} else if rest[i] == '>' {
						if depth--; depth == 0 {
							break
						}
					}
				}
				val, rest = rest[1:i], rest[i+1:]
				s.html[key] = true
			default:
				t.Fatalf("unquoted value in %q", ln)
			}
			s.attrs[key] = val
			rest = strings.TrimPrefix(rest, ", ")
		}
		out = append(out, s)
	}
	return out
}

// unquote reads a DOT quoted string as Graphviz shows it.
func unquote(s string) string {
	r := strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n", `\r`, "\r", "&amp;", "&")
	return r.Replace(s)
}

// htmlText returns the text of an HTML-like label: cells separated by
// spaces.
func htmlText(t *testing.T, h string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader("<L>" + h + "</L>"))
	var parts []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.Join(parts, " ")
		}
		if err != nil {
			t.Fatalf("label %q: %v", h, err)
		}
		if c, ok := tok.(xml.CharData); ok {
			parts = append(parts, string(c))
		}
	}
}

// squash removes spaces and hyphens, so that wrapped text compares with
// the text it came from.
func squash(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "\n", "").Replace(s)
}

// node returns the statement of a node id, or fails.
func node(t *testing.T, ss []stmt, id string) stmt {
	t.Helper()
	for _, s := range ss {
		if len(s.ids) == 1 && s.ids[0] == id {
			return s
		}
	}
	t.Fatalf("no node %q", id)
	return stmt{}
}

// label returns the text of a statement's label.
func (s stmt) label(t *testing.T) string {
	if s.html["label"] {
		return htmlText(t, s.attrs["label"])
	}
	return s.attrs["label"]
}

// cellRe matches a table cell with a background: a badge.
var cellRe = regexp.MustCompile(`<TD BGCOLOR="[^"]*"[^>]*>.*?</TD>`)

// nameText returns the text of a node's label without its badge.
func nameText(t *testing.T, s stmt) string {
	t.Helper()
	return htmlText(t, cellRe.ReplaceAllString(s.attrs["label"], ""))
}

// numbersIn returns the whole numbers in s.
func numbersIn(s string) []int {
	var out []int
	for _, f := range regexp.MustCompile(`\d+`).FindAllString(s, -1) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// bigMap builds a valid citizen map of n actors besides the person and
// the plan, with
// long Nordic names, every sector, every importance, every relation type
// and quality, so that many gaps fire.
func bigMap(t *testing.T, n int) *mapdoc.Document {
	t.Helper()
	sectors := []stakeholder.Sector{
		stakeholder.SectorPrimaryHealth, stakeholder.SectorSpecialistMH, stakeholder.SectorWelfareWork, stakeholder.SectorInformal,
		stakeholder.SectorMunicipalMHSU, stakeholder.SectorHousing, stakeholder.SectorPeer, stakeholder.SectorSpecialistSU,
		stakeholder.SectorSocial, stakeholder.SectorUserOrg, stakeholder.SectorMunicipalCare, stakeholder.SectorCivilSociety,
		stakeholder.SectorJustice, stakeholder.SectorEducationWork, stakeholder.SectorGovernance,
	}
	names := []string{
		"Fastlegekontoret på Årvoll og Økern", "DPS Nordre Ås", "NAV Grünerløkka", "Kjærsti Ødegård (mor)",
		"Psykisk helse- og rustjenesten i Bjørkelangen", "Boligkontoret", "Bjørn Åstveit", "Rusbehandling (TSB) Østfold",
		"Sosialtjenesten Sør", "Mental Helse Ørsta", "Hjemmesykepleien Vågå", "Fontenehuset Ålesund",
		"Kriminalomsorgen Ærø", "Voksenopplæringen i Sør-Varanger", "Koordinerende enhet",
	}
	scales := []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low, ""}
	qualities := []stakeholder.Quality{stakeholder.QualityGood, "", stakeholder.QualityStrained, stakeholder.QualityBroken, stakeholder.QualityUnknown}
	asOf := date.MustParse("2026-11-01")
	doc := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: "0b1e2d3c-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
		Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: "Øystein Ærlig Åsheim", Municipality: "0301"}, AsOf: asOf,
		Actors: []mapdoc.Actor{{ID: "c", Kind: stakeholder.KindPerson, Sector: stakeholder.SectorCitizen, Level: stakeholder.LevelIndividual, Name: "Øystein Ærlig Åsheim"}}}
	rel := 0
	addRel := func(from, to string, typ stakeholder.RelationType, q stakeholder.Quality, start date.Date, contact date.Date) {
		rel++
		r := mapdoc.Relation{ID: fmt.Sprintf("r%d", rel), From: from, To: to, Type: typ, Quality: q, ValidFrom: start}
		if !contact.IsZero() {
			r.Contacts = []date.Date{contact}
		}
		doc.Relations = append(doc.Relations, r)
	}
	for i := range n {
		s := sectors[i%len(sectors)]
		id := fmt.Sprintf("a%02d", i)
		kind := stakeholder.KindService
		switch {
		case s == stakeholder.SectorInformal || s == stakeholder.SectorPeer:
			kind = stakeholder.KindPerson
		case s == stakeholder.SectorGovernance:
			kind = stakeholder.KindForum
		case i%3 == 0:
			kind = stakeholder.KindOrganisation
		}
		a := mapdoc.Actor{ID: id, Kind: kind, Sector: s, Level: stakeholder.LevelService, Name: names[i%len(names)]}
		if i >= len(names) {
			a.Name = fmt.Sprintf("%s %d", names[i%len(names)], i/len(names)+1)
		}
		if sc := scales[(i/3)%len(scales)]; sc != "" {
			a.Assessment = &mapdoc.Assessment{Importance: sc}
		}
		doc.Actors = append(doc.Actors, a)
		start := asOf.AddDays(-30 * (i%12 + 1))
		switch {
		case s == stakeholder.SectorInformal:
			addRel(id, "c", stakeholder.RelFamily, qualities[i%len(qualities)], start, date.Date{})
		case s == stakeholder.SectorPeer:
			addRel(id, "c", stakeholder.RelPeerSupport, "", start, asOf.AddDays(-3))
		case kind == stakeholder.KindForum:
			addRel("c", id, stakeholder.RelMemberOf, "", start, date.Date{})
		default:
			addRel(id, "c", stakeholder.RelServes, qualities[i%len(qualities)], start, asOf.AddDays(-min((i*7)%100, 30*(i%12+1))))
		}
	}
	types := []stakeholder.RelationType{stakeholder.RelCollaborates, stakeholder.RelRefers, stakeholder.RelInforms,
		stakeholder.RelCoordinates, stakeholder.RelAgreement}
	for i := 0; i+3 < n; i += 3 {
		from, to := fmt.Sprintf("a%02d", i), fmt.Sprintf("a%02d", i+3)
		if doc.Actors[i+1].Kind == stakeholder.KindForum || doc.Actors[i+4].Kind == stakeholder.KindForum {
			continue
		}
		addRel(from, to, types[(i/3)%len(types)], qualities[(i/3)%len(qualities)], asOf.AddDays(-200), asOf.AddDays(-(i*11)%150))
	}
	// An active plan that most services belong to, so that they have
	// working ties and the gaps stay a readable few.
	doc.Actors = append(doc.Actors, mapdoc.Actor{ID: "plan", Kind: stakeholder.KindForum, Sector: stakeholder.SectorGovernance,
		Level: stakeholder.LevelIndividual, Name: "Individuell plan"})
	for i := range n {
		if a := doc.Actors[i+1]; a.Sector.IsService() && a.Kind != stakeholder.KindForum && i != 2 {
			addRel(a.ID, "plan", stakeholder.RelMemberOf, "", asOf.AddDays(-100), date.Date{})
		}
	}
	doc.Plan = &mapdoc.Plan{Actor: "plan", Status: stakeholder.PlanActive, Created: asOf.AddDays(-100)}
	doc.Coordinator = &mapdoc.Coordinator{Actor: "a04", Offered: asOf.AddDays(-100), Assigned: asOf.AddDays(-90)}
	return parseDoc(t, mapdoc.Canonical(doc))
}
