package netfile_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"strconv"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/netfile"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/region"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Names that break naive writers: quotes, markup, a formula, Nordic
// letters, a line break.
const (
	quoted  = `Dr. "Hansen" <b>&amp; co</b>`
	formula = `=cmd|' /C calc'!A0`
	nordic  = "Bjørn Ærø-Åsgård, Malmö"
	twoLine = "Kari\nNordmann"
	minus   = "-1+1"
)

func d(s string) date.Date { return date.MustParse(s) }

func hostileDoc() *mapdoc.Document {
	return &mapdoc.Document{
		Schema: mapdoc.SchemaMap, ID: "6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c", AsOf: d("2026-11-23"),
		Focus: mapdoc.Focus{Kind: stakeholder.FocusCitizen, Label: nordic, Municipality: "3203"},
		Actors: []mapdoc.Actor{
			{ID: "citizen", Kind: "person", Sector: "citizen", Level: "individual", Name: nordic},
			{ID: "gp", Kind: "person", Sector: "primary-health", Level: "service", Name: quoted, Directory: "grorud-legesenter",
				Assessment: &mapdoc.Assessment{Importance: "high", Influence: "medium", Role: "fastlege;\n\"sees him\" <monthly>", WhatMatters: "\t@tab"}},
			{ID: "dps", Kind: "service", Sector: "specialist-mh", Level: "service", Name: formula, Directory: "dps-nord"},
			{ID: "mother", Kind: "person", Sector: "informal", Level: "individual", Name: twoLine},
			{ID: "nav", Kind: "organisation", Sector: "welfare-work", Level: "service", Name: minus},
		},
		Relations: []mapdoc.Relation{
			{ID: "r10", From: "nav", To: "citizen", Type: "serves", Quality: "strained", ValidFrom: d("2026-02-01")},
			{ID: "r1", From: "gp", To: "citizen", Type: "serves", Quality: "good", ValidFrom: d("2024-02-01"),
				Contacts: []date.Date{d("2026-10-01"), d("2026-09-01")}, Trust: 3, Value: 4},
			{ID: "r2", From: "dps", To: "citizen", Type: "serves", ValidFrom: d("2026-03-01"), ValidTo: d("2026-06-15"), Inpatient: true},
			{ID: "r3", From: "gp", To: "dps", Type: "refers", Quality: "unknown", ValidFrom: d("2026-03-02"), Formalised: true},
			{ID: "r4", From: "mother", To: "citizen", Type: "family", ValidFrom: d("2000-01-01")},
		},
	}
}

// Readers of the two XML formats, namespace-qualified so that a wrong
// namespace does not match.
type (
	gml struct {
		XMLName xml.Name `xml:"graphml"`
		Keys    []struct {
			ID   string `xml:"id,attr"`
			For  string `xml:"for,attr"`
			Name string `xml:"attr.name,attr"`
			Type string `xml:"attr.type,attr"`
		} `xml:"http://graphml.graphdrawing.org/xmlns key"`
		Graph struct {
			EdgeDefault string `xml:"edgedefault,attr"`
			Nodes       []struct {
				XMLName xml.Name
				ID      string    `xml:"id,attr"`
				Data    []gmlData `xml:"http://graphml.graphdrawing.org/xmlns data"`
			} `xml:"http://graphml.graphdrawing.org/xmlns node"`
			Edges []struct {
				ID     string    `xml:"id,attr"`
				Source string    `xml:"source,attr"`
				Target string    `xml:"target,attr"`
				Data   []gmlData `xml:"http://graphml.graphdrawing.org/xmlns data"`
			} `xml:"http://graphml.graphdrawing.org/xmlns edge"`
		} `xml:"http://graphml.graphdrawing.org/xmlns graph"`
	}
	gmlData struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	}
	gexf struct {
		XMLName xml.Name `xml:"gexf"`
		Version string   `xml:"version,attr"`
		Graph   struct {
			DefaultEdgeType string `xml:"defaultedgetype,attr"`
			Attributes      []struct {
				Class     string `xml:"class,attr"`
				Attribute []struct {
					ID    string `xml:"id,attr"`
					Title string `xml:"title,attr"`
					Type  string `xml:"type,attr"`
				} `xml:"http://gexf.net/1.3 attribute"`
			} `xml:"http://gexf.net/1.3 attributes"`
			Nodes []struct {
				ID        string    `xml:"id,attr"`
				Label     string    `xml:"label,attr"`
				AttValues []gexfVal `xml:"http://gexf.net/1.3 attvalues>attvalue"`
			} `xml:"http://gexf.net/1.3 nodes>node"`
			Edges []struct {
				ID        string    `xml:"id,attr"`
				Source    string    `xml:"source,attr"`
				Target    string    `xml:"target,attr"`
				Kind      string    `xml:"kind,attr"`
				Weight    string    `xml:"weight,attr"`
				AttValues []gexfVal `xml:"http://gexf.net/1.3 attvalues>attvalue"`
			} `xml:"http://gexf.net/1.3 edges>edge"`
		} `xml:"http://gexf.net/1.3 graph"`
	}
	gexfVal struct {
		For   string `xml:"for,attr"`
		Value string `xml:"value,attr"`
	}
)

func gmlValues(ds []gmlData) map[string]string {
	m := map[string]string{}
	for _, x := range ds {
		m[x.Key] = x.Value
	}
	return m
}

func gexfValues(vs []gexfVal) map[string]string {
	m := map[string]string{}
	for _, x := range vs {
		m[x.For] = x.Value
	}
	return m
}

func TestMapGraphMLReadsBackExactly(t *testing.T) {
	doc := hostileDoc()
	var buf bytes.Buffer
	if err := netfile.MapGraphML(&buf, doc); err != nil {
		t.Fatal(err)
	}
	var g gml
	if err := xml.Unmarshal(buf.Bytes(), &g); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.Bytes())
	}
	if g.XMLName.Space != netfile.GraphMLNamespace {
		t.Fatalf("root namespace %q", g.XMLName.Space)
	}
	if len(g.Graph.Nodes) != len(doc.Actors) || len(g.Graph.Edges) != len(doc.Relations) || g.Graph.EdgeDefault != "directed" {
		t.Fatalf("%d nodes, %d edges, %s; want %d, %d, directed", len(g.Graph.Nodes), len(g.Graph.Edges), g.Graph.EdgeDefault, len(doc.Actors), len(doc.Relations))
	}
	declared := map[string]string{}
	for _, k := range g.Keys {
		declared[k.ID] = k.Name + ":" + k.Type
	}
	for _, want := range []string{"v_label=label:string", "v_sector=sector:string", "v_sectorGroup=sectorGroup:string",
		"v_kind=kind:string", "v_level=level:string", "e_type=type:string", "e_quality=quality:string",
		"e_formalised=formalised:boolean", "e_contacts=contacts:int"} {
		id, nameType, _ := strings.Cut(want, "=")
		if declared[id] != nameType {
			t.Errorf("key %s: %q, want %q", id, declared[id], nameType)
		}
	}
	for _, n := range g.Graph.Nodes {
		if n.XMLName.Space != netfile.GraphMLNamespace {
			t.Errorf("node %s in namespace %q", n.ID, n.XMLName.Space)
		}
		a := doc.Actor(n.ID)
		if a == nil {
			t.Fatalf("node %q is no actor", n.ID)
		}
		v := gmlValues(n.Data)
		for k := range v {
			if _, ok := declared[k]; !ok {
				t.Errorf("node %s uses undeclared key %s", n.ID, k)
			}
		}
		if v["v_label"] != a.Name || v["v_sector"] != string(a.Sector) || v["v_sectorGroup"] != string(a.Sector.Group()) ||
			v["v_kind"] != string(a.Kind) || v["v_level"] != string(a.Level) || v["v_directory"] != a.Directory {
			t.Errorf("node %s: %q, want %+v", n.ID, v, a)
		}
		if a.Assessment != nil && (v["v_role"] != a.Assessment.Role || v["v_whatMatters"] != a.Assessment.WhatMatters || v["v_importance"] != string(a.Assessment.Importance)) {
			t.Errorf("node %s assessment: %q", n.ID, v)
		}
	}
	ids := []string{}
	for _, e := range g.Graph.Edges {
		ids = append(ids, e.ID)
		v := gmlValues(e.Data)
		var r mapdoc.Relation
		for _, x := range doc.Relations {
			if x.ID == e.ID {
				r = x
			}
		}
		if e.Source != r.From || e.Target != r.To || v["e_type"] != string(r.Type) || v["e_quality"] != string(r.Quality) ||
			v["e_formalised"] != strconv.FormatBool(r.Formalised) || v["e_validFrom"] != r.ValidFrom.String() ||
			v["e_active"] != strconv.FormatBool(doc.ActiveAt(r, doc.AsOf)) || v["e_contacts"] != strconv.Itoa(len(r.Contacts)) {
			t.Errorf("edge %s: %s→%s %q, want %+v", e.ID, e.Source, e.Target, v, r)
		}
	}
	if got := strings.Join(ids, ","); got != "r1,r2,r3,r4,r10" {
		t.Errorf("edges in order %s, want natural order by id", got)
	}
	var again bytes.Buffer
	_ = netfile.MapGraphML(&again, hostileDoc())
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of the same document differ")
	}
}

func TestMapGEXFReadsBackExactly(t *testing.T) {
	doc := hostileDoc()
	var buf bytes.Buffer
	if err := netfile.MapGEXF(&buf, doc); err != nil {
		t.Fatal(err)
	}
	var g gexf
	if err := xml.Unmarshal(buf.Bytes(), &g); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.Bytes())
	}
	if g.XMLName.Space != netfile.GEXFNamespace || g.Version != "1.3" || g.Graph.DefaultEdgeType != "directed" {
		t.Fatalf("root %v version %s edges %s", g.XMLName, g.Version, g.Graph.DefaultEdgeType)
	}
	if len(g.Graph.Nodes) != len(doc.Actors) || len(g.Graph.Edges) != len(doc.Relations) {
		t.Fatalf("%d nodes, %d edges", len(g.Graph.Nodes), len(g.Graph.Edges))
	}
	declared := map[string]string{}
	for _, as := range g.Graph.Attributes {
		for _, a := range as.Attribute {
			declared[as.Class+"."+a.ID] = a.Title + ":" + a.Type
		}
	}
	for k, want := range map[string]string{"node.sector": "sector:string", "node.sectorGroup": "sectorGroup:string",
		"node.kind": "kind:string", "node.level": "level:string", "edge.type": "type:string", "edge.quality": "quality:string",
		"edge.formalised": "formalised:boolean", "edge.trust": "trust:integer"} {
		if declared[k] != want {
			t.Errorf("attribute %s: %q, want %q", k, declared[k], want)
		}
	}
	for _, n := range g.Graph.Nodes {
		a := doc.Actor(n.ID)
		v := gexfValues(n.AttValues)
		for k := range v {
			if _, ok := declared["node."+k]; !ok {
				t.Errorf("node %s: undeclared attribute %s", n.ID, k)
			}
		}
		if a == nil || n.Label != a.Name || v["sector"] != string(a.Sector) || v["sectorGroup"] != string(a.Sector.Group()) || v["level"] != string(a.Level) {
			t.Errorf("node %s %q: %q", n.ID, n.Label, v)
		}
		if a != nil && a.Assessment != nil && v["role"] != a.Assessment.Role {
			t.Errorf("node %s role %q, want %q", n.ID, v["role"], a.Assessment.Role)
		}
	}
	for _, e := range g.Graph.Edges {
		v := gexfValues(e.AttValues)
		if e.Kind != v["type"] || v["type"] == "" {
			t.Errorf("edge %s kind %q type %q", e.ID, e.Kind, v["type"])
		}
		if e.ID == "r1" && (v["trust"] != "3" || v["value"] != "4" || v["lastContact"] != "2026-10-01" || v["quality"] != "good") {
			t.Errorf("r1: %q", v)
		}
		if e.ID == "r2" && (v["validTo"] != "2026-06-15" || v["active"] != "false" || v["inpatient"] != "true") {
			t.Errorf("r2: %q", v)
		}
	}
}

func TestMapCSVTables(t *testing.T) {
	doc := hostileDoc()
	undo := func(s string) string {
		if strings.HasPrefix(s, "'") && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
			return s[1:]
		}
		return s
	}
	for _, tc := range []struct {
		table netfile.Table
		cols  []string
		rows  int
	}{{netfile.TableRelations, netfile.RelationColumns, len(doc.Relations)}, {netfile.TableActors, netfile.ActorColumns, len(doc.Actors)}} {
		var buf bytes.Buffer
		if err := netfile.MapCSV(&buf, doc, tc.table); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) || bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
			t.Errorf("%s: want CRLF line ends and no BOM", tc.table)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", tc.table, err)
		}
		if strings.Join(recs[0], ",") != strings.Join(tc.cols, ",") || len(recs) != tc.rows+1 {
			t.Fatalf("%s: header %v, %d rows", tc.table, recs[0], len(recs)-1)
		}
		for _, rec := range recs[1:] {
			for _, c := range rec {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s: cell %q would be a formula", tc.table, c)
				}
			}
			row := map[string]string{}
			for i, c := range rec {
				row[tc.cols[i]] = undo(c)
			}
			if tc.table == netfile.TableActors {
				a := doc.Actor(row["id"])
				if a == nil || row["name"] != a.Name || row["sector"] != string(a.Sector) || row["sectorGroup"] != string(a.Sector.Group()) {
					t.Errorf("actor row %q", row)
				}
				if a != nil && a.Assessment != nil && (row["role"] != a.Assessment.Role || row["whatMatters"] != a.Assessment.WhatMatters) {
					t.Errorf("actor %s texts %q %q", a.ID, row["role"], row["whatMatters"])
				}
				continue
			}
			from, to := doc.Actor(row["from"]), doc.Actor(row["to"])
			if from == nil || to == nil || row["fromName"] != from.Name || row["toName"] != to.Name || row["toSector"] != string(to.Sector) {
				t.Errorf("relation row %q", row)
			}
		}
	}
	var buf bytes.Buffer
	_ = netfile.MapCSV(&buf, doc, netfile.TableActors)
	if !strings.Contains(buf.String(), `'=cmd|`) || strings.Contains(buf.String(), ",=cmd") {
		t.Errorf("the formula name is not defused:\n%s", buf.String())
	}
	if _, err := netfile.ParseTable("people"); err == nil {
		t.Error("table people accepted")
	}
	if tb, err := netfile.ParseTable(""); err != nil || tb != netfile.TableRelations {
		t.Errorf("default table %q %v", tb, err)
	}
}

// An erased map's document reads "[erased]" in every name: its files hold
// nothing else.
func TestErasedMapHoldsNoNames(t *testing.T) {
	doc := hostileDoc()
	doc.Focus.Label = seal.ErasedText
	for i := range doc.Actors {
		doc.Actors[i].Name = seal.ErasedText
		if doc.Actors[i].Assessment != nil {
			doc.Actors[i].Assessment.Role, doc.Actors[i].Assessment.WhatMatters = seal.ErasedText, seal.ErasedText
		}
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"graphml":       func(b *bytes.Buffer) error { return netfile.MapGraphML(b, doc) },
		"gexf":          func(b *bytes.Buffer) error { return netfile.MapGEXF(b, doc) },
		"csv relations": func(b *bytes.Buffer) error { return netfile.MapCSV(b, doc, netfile.TableRelations) },
		"csv actors":    func(b *bytes.Buffer) error { return netfile.MapCSV(b, doc, netfile.TableActors) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"Hansen", "cmd", "Bjørn", "Kari", "fastlege", "@tab"} {
			if strings.Contains(buf.String(), n) {
				t.Errorf("%s holds %q", name, n)
			}
		}
		if !strings.Contains(buf.String(), seal.ErasedText) {
			t.Errorf("%s does not say [erased]", name)
		}
	}
}

func areaGraph() *region.Graph {
	entry := func(id, name string, s stakeholder.Sector) projection.Entry {
		return projection.Entry{ID: id, Kind: stakeholder.EntryService, Name: name, Sector: s, Municipality: "3203"}
	}
	return &region.Graph{Municipality: "3203", At: d("2026-11-23"), K: 5, CitizenMaps: 40, SuppressedCells: 2,
		Organisations: []region.Organisation{
			{Entry: entry("nav-grorud", "NAV Grorud", "welfare-work"), Citizens: 12},
			{Entry: entry("dps-nord", formula, "specialist-mh"), Citizens: 9},
			{Entry: entry("lege-a", quoted, "primary-health"), Suppressed: true},
			{Entry: entry("bolig", nordic, "housing"), Citizens: 7},
		},
		Edges: []region.Edge{
			{A: "dps-nord", B: "nav-grorud", SharedCitizens: 8, CollaborationMaps: 2},
			{A: "bolig", B: "nav-grorud", SharedCitizens: 6, CollaborationMaps: 6, Agreement: true},
			{A: "dps-nord", B: "lege-a", Suppressed: true, Agreement: true},
		}}
}

func TestAreaGraphFiles(t *testing.T) {
	g := areaGraph()
	var gm, gx bytes.Buffer
	if err := netfile.AreaGraphML(&gm, g); err != nil {
		t.Fatal(err)
	}
	if err := netfile.AreaGEXF(&gx, g); err != nil {
		t.Fatal(err)
	}
	var a gml
	if err := xml.Unmarshal(gm.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	var b gexf
	if err := xml.Unmarshal(gx.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if a.XMLName.Space != netfile.GraphMLNamespace || b.XMLName.Space != netfile.GEXFNamespace {
		t.Fatal("namespaces")
	}
	if len(a.Graph.Nodes) != 4 || len(b.Graph.Nodes) != 4 || len(a.Graph.Edges) != 3 || len(b.Graph.Edges) != 3 ||
		a.Graph.EdgeDefault != "undirected" || b.Graph.DefaultEdgeType != "undirected" {
		t.Fatalf("graphml %d/%d %s, gexf %d/%d %s", len(a.Graph.Nodes), len(a.Graph.Edges), a.Graph.EdgeDefault,
			len(b.Graph.Nodes), len(b.Graph.Edges), b.Graph.DefaultEdgeType)
	}
	names := map[string]string{}
	for _, o := range g.Organisations {
		names[o.ID] = o.Name
	}
	for i, n := range a.Graph.Nodes {
		va, vb := gmlValues(n.Data), gexfValues(b.Graph.Nodes[i].AttValues)
		if va["v_label"] != names[n.ID] || b.Graph.Nodes[i].Label != names[n.ID] || va["v_sector"] != vb["sector"] || va["v_citizens"] != vb["citizens"] {
			t.Errorf("node %s: %q / %q", n.ID, va, vb)
		}
		if n.ID == "lege-a" && (vb["suppressed"] != "true" || vb["citizens"] != "") {
			t.Errorf("a suppressed caseload is shown: %q", vb)
		}
	}
	for i, e := range b.Graph.Edges {
		v := gexfValues(e.AttValues)
		ve := gmlValues(a.Graph.Edges[i].Data)
		switch e.ID {
		case "dps-nord:nav-grorud":
			if e.Weight != "8" || v["sharedCitizens"] != "8" || v["collaborationShare"] != "0.25" || ve["e_weight"] != "8" || ve["e_collaborationShare"] != "0.25" {
				t.Errorf("weights %s %q %q", e.Weight, v, ve)
			}
		case "dps-nord:lege-a":
			if e.Weight != "" || v["sharedCitizens"] != "" || v["suppressed"] != "true" || v["agreement"] != "true" {
				t.Errorf("a suppressed pair shows counts: %s %q", e.Weight, v)
			}
		case "bolig:nav-grorud":
			if v["collaborationShare"] != "1" || v["agreement"] != "true" {
				t.Errorf("%q", v)
			}
		default:
			t.Errorf("unexpected edge %s", e.ID)
		}
	}
}
