package graph_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/netfile"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// Names that break naive writers.
const (
	hostileLabel = `Bjørn "Ærø" <Åsgård> & co`
	hostileGP    = `=cmd|' /C calc'!A0`
	hostileNAV   = `NAV "Grorud" <&> @`
	hostileRole  = "fastlege;\n«ukentlig» & <mer>"
)

type exportWorld struct {
	citizenMap, erasedMap, areaMap string
	last                           uint64
}

// exportWorld writes a citizen map with hostile names, four more citizen
// maps served by the same NAV office and DPS (one of them erased, so that
// the area's pair counts five), and a municipality map.
func (e *env) exportWorld() exportWorld {
	var w exportWorld
	for _, en := range []command.RegisterEntry{
		{EntryID: "nav-grorud", Kind: "organisation", Name: "NAV Grorud", Sector: "welfare-work", Municipality: "3203"},
		{EntryID: "dps-nord", Kind: "service", Name: "DPS Nord", Sector: "specialist-mh", Municipality: "3203"},
	} {
		e.do(&en)
	}
	since := command.Meta{ValidTime: d("2026-01-10")}
	citizenMap := func(label, citizenName string) (mapID, citizen, nav, dps string) {
		r := e.do(&command.OpenMap{Meta: since, Focus: stakeholder.FocusCitizen, Label: label, CitizenName: citizenName, Municipality: "3203"})
		mapID, citizen = r.IDs["mapId"], r.IDs["citizenId"]
		nav = e.do(&command.AddActor{MapID: mapID, Meta: since, Kind: "organisation", Level: "service", Sector: "welfare-work", Name: hostileNAV, Directory: "nav-grorud", Ref: "nav"}).IDs["actorId"]
		dps = e.do(&command.AddActor{MapID: mapID, Meta: since, Kind: "service", Level: "service", Sector: "specialist-mh", Name: "DPS Nord", Directory: "dps-nord", Ref: "dps"}).IDs["actorId"]
		e.do(&command.AddRelation{MapID: mapID, Meta: since, From: nav, To: citizen, Type: "serves", Quality: "good", Ref: "r-nav"})
		e.do(&command.AddRelation{MapID: mapID, Meta: since, From: dps, To: citizen, Type: "serves", Ref: "r-dps"})
		return mapID, citizen, nav, dps
	}
	mapID, citizen, _, dps := citizenMap(hostileLabel, hostileLabel)
	w.citizenMap = mapID
	gp := e.do(&command.AddActor{MapID: mapID, Meta: since, Kind: "person", Level: "service", Sector: "primary-health", Name: hostileGP, Ref: "gp"}).IDs["actorId"]
	e.do(&command.AssessActor{MapID: mapID, ActorID: gp, Importance: "high", Role: hostileRole})
	mother := e.do(&command.AddActor{MapID: mapID, Meta: since, Kind: "person", Level: "individual", Sector: "informal", Name: "Åse Ødegård", Ref: "mother"}).IDs["actorId"]
	e.do(&command.AddRelation{MapID: mapID, Meta: since, From: gp, To: citizen, Type: "serves", Ref: "r-gp"})
	e.do(&command.AddRelation{MapID: mapID, Meta: since, From: mother, To: citizen, Type: "family", Ref: "r-mother"})
	e.do(&command.AddRelation{MapID: mapID, Meta: since, From: gp, To: dps, Type: "refers", Ref: "r-refer"})
	for _, name := range []string{"Sara Q.", "Tor W.", "Una E.", "Vidar R."} {
		id, _, _, _ := citizenMap(name, name)
		if name == "Sara Q." {
			w.erasedMap = id
		}
	}
	w.areaMap = e.do(&command.OpenMap{Meta: since, Focus: stakeholder.FocusMunicipality, Label: "Grorud", Municipality: "3203"}).IDs["mapId"]
	w.last = e.do(&command.EraseMap{MapID: w.erasedMap, Basis: "citizen-request"}).Version
	return w
}

// xmlGraph reads GraphML or GEXF far enough to count and name: the root's
// namespace, every node's id and label (GEXF attribute, GraphML data
// v_label) and the edges.
type xmlGraph struct {
	XMLName xml.Name
	Nodes   []struct {
		ID    string `xml:"id,attr"`
		Label string `xml:"label,attr"`
		Data  []struct {
			Key   string `xml:"key,attr"`
			Value string `xml:",chardata"`
		} `xml:"data"`
		AttValues []struct {
			For   string `xml:"for,attr"`
			Value string `xml:"value,attr"`
		} `xml:"attvalues>attvalue"`
	} `xml:"graph>node"`
	GEXFNodes []struct {
		ID    string `xml:"id,attr"`
		Label string `xml:"label,attr"`
	} `xml:"graph>nodes>node"`
	Edges []struct {
		ID     string `xml:"id,attr"`
		Weight string `xml:"weight,attr"`
	} `xml:"graph>edge"`
	GEXFEdges []struct {
		ID     string `xml:"id,attr"`
		Weight string `xml:"weight,attr"`
	} `xml:"graph>edges>edge"`
}

// labels returns the graph's nodes as id → label.
func (g xmlGraph) labels() map[string]string {
	out := map[string]string{}
	for _, n := range g.Nodes {
		for _, d := range n.Data {
			if d.Key == "v_label" {
				out[n.ID] = d.Value
			}
		}
	}
	for _, n := range g.GEXFNodes {
		out[n.ID] = n.Label
	}
	return out
}

func parseGraph(t *testing.T, what string, b []byte) xmlGraph {
	t.Helper()
	var g xmlGraph
	if err := xml.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s is not XML: %v\n%s", what, err, b)
	}
	return g
}

func TestExportsOfACitizenMap(t *testing.T) {
	e := setup(t)
	w := e.exportWorld()
	g, nc := e.running(w.last)
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())
	ans, err := g.Map(access.WithPrincipal(context.Background(), opener), graph.MapQuery{MapID: w.citizenMap})
	if err != nil {
		t.Fatal(err)
	}
	doc := ans.Document
	base := "/v1/maps/" + w.citizenMap
	for _, tc := range []struct {
		url, contentType, ext string
	}{
		{base + "/export.json", "application/json", ".json"},
		{base + "/export.csv", netfile.ContentTypeCSV, "-relations.csv"},
		{base + "/export.csv?table=actors", netfile.ContentTypeCSV, "-actors.csv"},
		{base + "/export.graphml", netfile.ContentTypeGraphML, ".graphml"},
		{base + "/export.gexf", netfile.ContentTypeGEXF, ".gexf"},
		{base + "/careteam.json", "application/fhir+json", ".json"},
	} {
		rec := fetch(t, h, tc.url)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.contentType {
			t.Fatalf("%s: %d %s: %s", tc.url, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		cd := rec.Header().Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, w.citizenMap+"-2026-11-23") || !strings.HasSuffix(cd, tc.ext+`"`) {
			t.Errorf("%s: Content-Disposition %q", tc.url, cd)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: a citizen's export may be cached: %q", tc.url, rec.Header().Get("Cache-Control"))
		}
	}
	// The map document is the map query's, in canonical form.
	if got := fetch(t, h, base+"/export.json").Body.Bytes(); !bytes.Equal(got, mapdoc.Canonical(doc)) {
		t.Errorf("export.json differs from the map document:\n%s", got)
	}
	// CSV: one row per relation or actor, every name exactly (formulas defused).
	rel, err := csv.NewReader(fetch(t, h, base+"/export.csv").Body).ReadAll()
	if err != nil || len(rel) != len(doc.Relations)+1 || strings.Join(rel[0], ",") != strings.Join(netfile.RelationColumns, ",") {
		t.Fatalf("relations csv: %v %v", err, rel)
	}
	act, err := csv.NewReader(fetch(t, h, base+"/export.csv?table=actors").Body).ReadAll()
	if err != nil || len(act) != len(doc.Actors)+1 {
		t.Fatalf("actors csv: %v %v", err, act)
	}
	names := map[string]bool{}
	for _, row := range act[1:] {
		names[row[1]] = true
		if row[1] == "'"+hostileGP && row[12] != hostileRole {
			t.Errorf("the GP's role came back as %q", row[12])
		}
	}
	for _, want := range []string{hostileLabel, "'" + hostileGP, hostileNAV, "Åse Ødegård"} {
		if !names[want] {
			t.Errorf("actors csv lacks %q: %v", want, names)
		}
	}
	// GraphML and GEXF: the namespaces, every actor and relation, the names exactly.
	for _, f := range []struct{ ext, ns string }{{"graphml", netfile.GraphMLNamespace}, {"gexf", netfile.GEXFNamespace}} {
		x := parseGraph(t, f.ext, fetch(t, h, base+"/export."+f.ext).Body.Bytes())
		labels := x.labels()
		if x.XMLName.Space != f.ns || len(labels) != len(doc.Actors) || len(x.Edges)+len(x.GEXFEdges) != len(doc.Relations) {
			t.Errorf("%s: namespace %q, %d nodes, %d edges; want %d, %d", f.ext, x.XMLName.Space, len(labels), len(x.Edges)+len(x.GEXFEdges), len(doc.Actors), len(doc.Relations))
		}
		for _, a := range doc.Actors {
			if labels[a.ID] != a.Name {
				t.Errorf("%s: node %s is %q, want %q", f.ext, a.ID, labels[a.ID], a.Name)
			}
		}
	}
	// CareTeam: the four actors with a relation to the person (not the DPS's referrer twice).
	var ct struct {
		ResourceType string
		Status       string
		Subject      struct{ Display string }
		Participant  []struct {
			Member struct{ Reference, Display string }
		}
	}
	if err := json.Unmarshal(fetch(t, h, base+"/careteam.json").Body.Bytes(), &ct); err != nil {
		t.Fatal(err)
	}
	if ct.ResourceType != "CareTeam" || ct.Status != "active" || ct.Subject.Display != hostileLabel || len(ct.Participant) != 4 {
		t.Fatalf("careteam: %+v", ct)
	}
	refs := map[string]string{}
	for _, p := range ct.Participant {
		refs[p.Member.Display] = p.Member.Reference
	}
	if refs[hostileNAV] != "Organization/nav-grorud" || refs["DPS Nord"] != "Organization/dps-nord" || refs[hostileGP] != "" {
		t.Errorf("careteam members: %v", refs)
	}

	// Over NATS: the same bytes, with the content type.
	for format, ct := range map[string]string{"json": "application/json", "csv": netfile.ContentTypeCSV, "graphml": netfile.ContentTypeGraphML,
		"gexf": netfile.ContentTypeGEXF, "careteam": "application/fhir+json"} {
		body, _ := json.Marshal(graph.ExportQuery{Kind: "map", ID: w.citizenMap, Format: format})
		msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), opener), "", "samspill.query.export", string(body))
		url := base + "/export." + format
		if format == "careteam" {
			url = base + "/careteam.json"
		}
		if msg.Header.Get("Content-Type") != ct || !bytes.Equal(msg.Data, fetch(t, h, url).Body.Bytes()) {
			t.Errorf("micro %s: %q, %d bytes differ from HTTP", format, msg.Header.Get("Content-Type"), len(msg.Data))
		}
	}
}

func TestExportsRefuseByField(t *testing.T) {
	e := setup(t)
	w := e.exportWorld()
	g, nc := e.running(w.last)
	// An integration that may read every map and area reaches every
	// refusal of a malformed or unknown request.
	reader := access.Principal{Subject: "tok:reader", Role: access.Integration, Grants: []string{"map.*.read", "area.*.read"}}
	h := accesstest.Bearer(t, signer(t), reader, g.Handler())
	base := "/v1/maps/" + w.citizenMap
	for _, tc := range []struct {
		url    string
		status int
		field  string
	}{
		{base + "/export.pdf", 404, ""},
		{base + "/export.xlsx", 404, ""},
		{base + "/export.csv?table=people", 400, "table"},
		{base + "/export.graphml?table=actors", 400, "table"},
		{"/v1/maps/6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c/export.gexf", 404, "mapId"},
		{"/v1/maps/not-a-map/export.csv", 400, "mapId"},
		{base + "/careteam.json?at=2025-01-01", 404, "mapId"},
		{base + "/export.gexf?at=2026-02-30", 400, "at"},
		{base + "/export.json?knownAt=yesterday", 400, "knownAt"},
		{"/v1/maps/" + w.areaMap + "/careteam.json", 400, "mapId"},
		{"/v1/areas/Asker/export.gexf", 400, "municipality"},
		{"/v1/areas/3203/export.csv", 404, ""},
		{"/v1/areas/3203/export.graphml?knownAt=yesterday", 400, "knownAt"},
	} {
		rec := fetch(t, h, tc.url)
		var p struct {
			Status int    `json:"status"`
			Field  string `json:"field"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != tc.status || p.Status != tc.status || p.Field != tc.field ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s, want %d naming %q", tc.url, rec.Code, rec.Body, tc.status, tc.field)
		}
	}
	for _, tc := range []struct {
		q     graph.ExportQuery
		code  string
		field string
	}{
		{graph.ExportQuery{Kind: "map", ID: w.citizenMap, Format: "pdf"}, "400", "format"},
		{graph.ExportQuery{Kind: "person", ID: w.citizenMap, Format: "csv"}, "400", "kind"},
		{graph.ExportQuery{Kind: "map", ID: "6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c", Format: "csv"}, "404", "mapId"},
		{graph.ExportQuery{Kind: "map", ID: w.citizenMap, Format: "csv", Table: "people"}, "400", "table"},
		{graph.ExportQuery{Kind: "area", ID: "3203", Format: "csv"}, "400", "format"},
	} {
		body, _ := json.Marshal(tc.q)
		msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), reader), "", "samspill.query.export", string(body))
		var qe struct{ Field string }
		_ = json.Unmarshal(msg.Data, &qe)
		if got := msg.Header.Get("Nats-Service-Error-Code"); got != tc.code || qe.Field != tc.field {
			t.Errorf("micro %+v: %s %s, want %s naming %q", tc.q, got, msg.Data, tc.code, tc.field)
		}
	}
}

// An erased map exports its structure and "[erased]": no name, in no
// format; its CareTeam is inactive.
func TestErasedMapExportsNoNames(t *testing.T) {
	e := setup(t)
	w := e.exportWorld()
	g, _ := e.running(w.last)
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())
	base := "/v1/maps/" + w.erasedMap
	for _, url := range []string{base + "/export.json", base + "/export.csv", base + "/export.csv?table=actors",
		base + "/export.graphml", base + "/export.gexf", base + "/careteam.json"} {
		rec := fetch(t, h, url)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		b := rec.Body.String()
		for _, name := range []string{"Sara", "NAV \"Grorud\"", "NAV &#34;Grorud", "DPS Nord"} {
			if strings.Contains(b, name) {
				t.Errorf("%s: the erased name %q is in the file", url, name)
			}
		}
		if !strings.Contains(b, seal.ErasedText) {
			t.Errorf("%s does not say %s", url, seal.ErasedText)
		}
		if strings.Contains(url, "careteam") && !strings.Contains(b, `"status": "inactive"`) {
			t.Errorf("an erased map's CareTeam is not inactive: %s", b)
		}
	}
}

// The area's organisation graph: the two organisations and the pair the
// five maps share (the erased map's structure counts), k-suppressed as
// pkg/region suppresses it; no citizen names.
func TestAreaExports(t *testing.T) {
	e := setup(t)
	w := e.exportWorld()
	g, nc := e.running(w.last)
	h := accesstest.Bearer(t, signer(t), analyst, g.Handler())
	for _, f := range []struct{ ext, ns, ct string }{{"graphml", netfile.GraphMLNamespace, netfile.ContentTypeGraphML}, {"gexf", netfile.GEXFNamespace, netfile.ContentTypeGEXF}} {
		rec := fetch(t, h, "/v1/areas/3203/export."+f.ext+"?at=2026-11-23")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != f.ct {
			t.Fatalf("%s: %d %s", f.ext, rec.Code, rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="samspill-area-3203-2026-11-23.`+f.ext+`"` {
			t.Errorf("%s: Content-Disposition %q", f.ext, cd)
		}
		x := parseGraph(t, f.ext, rec.Body.Bytes())
		labels := x.labels()
		if x.XMLName.Space != f.ns || labels["nav-grorud"] != "NAV Grorud" || labels["dps-nord"] != "DPS Nord" || len(labels) != 2 {
			t.Errorf("%s: %q nodes %v", f.ext, x.XMLName.Space, labels)
		}
		edges := append(x.Edges, x.GEXFEdges...)
		if f.ext == "graphml" {
			if len(edges) != 1 || !strings.Contains(rec.Body.String(), `<data key="e_sharedCitizens">5</data>`) {
				t.Errorf("graphml edges %+v", edges)
			}
		} else if len(edges) != 1 || edges[0].ID != "dps-nord:nav-grorud" || edges[0].Weight != "5" {
			t.Errorf("gexf edges %+v", edges)
		}
		for _, name := range []string{"Sara", "Tor", hostileGP, "Åse"} {
			if strings.Contains(rec.Body.String(), name) {
				t.Errorf("%s: a map's name %q in the area graph", f.ext, name)
			}
		}
		body, _ := json.Marshal(graph.ExportQuery{Kind: "area", ID: "3203", Format: f.ext, At: d("2026-11-23")})
		msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), analyst), "", "samspill.query.export", string(body))
		if !bytes.Equal(msg.Data, rec.Body.Bytes()) || msg.Header.Get("Content-Type") != f.ct {
			t.Errorf("micro area %s: %s", f.ext, msg.Header)
		}
	}
	// As the log stood before anything was recorded: no shared citizens,
	// so no edge, and the file name says so.
	rec := fetch(t, h, "/v1/areas/3203/export.graphml?at=2026-11-23&knownAt=2000-01-01T00:00:00Z")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "e_sharedCitizens") && strings.Contains(rec.Body.String(), "<edge") {
		t.Errorf("knownAt before the log: %d %s", rec.Code, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "-known-20000101T000000Z") {
		t.Errorf("knownAt file name %q", cd)
	}
}
