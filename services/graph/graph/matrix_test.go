package graph_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// sharedCaseload writes six citizen maps of Asker (3203) served by the GP
// office gp-a and the DPS dps-a, four of them with a collaboration tie
// between the two; two of them also served by NAV, which has an agreement
// with the GP office on the municipality's map. It returns the last log
// position.
func (e *env) sharedCaseload() uint64 {
	e.t.Helper()
	for _, c := range []*command.RegisterEntry{
		{EntryID: "gp-a", Kind: "organisation", Name: "=SUM(A1) legekontor", Sector: "primary-health", Municipality: "3203"},
		{EntryID: "dps-a", Kind: "service", Name: `DPS "Sentrum", Asker`, Sector: "specialist-mh", Municipality: "3203"},
		{EntryID: "nav-a", Kind: "organisation", Name: "NAV Asker", Sector: "welfare-work", Municipality: "3203"},
	} {
		c.ValidTime = d("2025-01-01")
		e.do(c)
	}
	actor := func(mapID, entry string, sector stakeholder.Sector) string {
		return e.do(&command.AddActor{MapID: mapID, Kind: "service", Level: "service", Sector: sector, Name: entry, Directory: entry}).IDs["actorId"]
	}
	var last uint64
	for i := range 6 {
		r := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen, Label: "Person", Municipality: "3203"})
		mapID, citizen := r.IDs["mapId"], r.IDs["citizenId"]
		gp, dps := actor(mapID, "gp-a", "primary-health"), actor(mapID, "dps-a", "specialist-mh")
		e.do(&command.AddRelation{MapID: mapID, From: gp, To: citizen, Type: "serves"})
		last = e.do(&command.AddRelation{MapID: mapID, From: dps, To: citizen, Type: "serves"}).Version
		if i < 4 {
			last = e.do(&command.AddRelation{MapID: mapID, From: gp, To: dps, Type: "collaborates"}).Version
		}
		if i < 2 {
			nav := actor(mapID, "nav-a", "welfare-work")
			last = e.do(&command.AddRelation{MapID: mapID, From: nav, To: citizen, Type: "serves"}).Version
		}
	}
	org := e.do(&command.OpenMap{Meta: command.Meta{ValidTime: d("2025-01-01")}, Focus: stakeholder.FocusMunicipality, Label: "Asker kommune", Municipality: "3203"}).IDs["mapId"]
	gp := e.do(&command.AddActor{MapID: org, Kind: "organisation", Level: "system", Sector: "primary-health", Name: "gp", Directory: "gp-a"}).IDs["actorId"]
	nav := e.do(&command.AddActor{MapID: org, Kind: "organisation", Level: "system", Sector: "welfare-work", Name: "nav", Directory: "nav-a"}).IDs["actorId"]
	if v := e.do(&command.AddRelation{MapID: org, From: gp, To: nav, Type: "agreement", Formalised: true}).Version; v > last {
		last = v
	}
	return last
}

// TestMatrixSuppressesSmallCells: the GP office and the DPS share six
// citizens and collaborate on four; the GP office and NAV share two, a
// suppressed cell shown only because they have an agreement; the DPS and
// NAV share two and have none, so their cell is not shown at all.
func TestMatrixSuppressesSmallCells(t *testing.T) {
	e := setup(t)
	g, nc := e.running(e.sharedCaseload())
	h := accesstest.Bearer(t, signer(t), areaReader, g.Handler())

	matrix := func(url string) graph.MatrixAnswer {
		t.Helper()
		rec := fetch(t, h, url)
		var m graph.MatrixAnswer
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &m) != nil {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		return m
	}
	m := matrix("/v1/areas/3203/matrix")
	if m.Municipality != "3203" || m.K != 5 || m.At != d("2026-11-23") || len(m.Pairs) != 2 {
		t.Fatalf("matrix: %+v", m)
	}
	open, small := m.Pairs[0], m.Pairs[1]
	if open.A.EntryID != "dps-a" || open.B.EntryID != "gp-a" || open.A.Name != `DPS "Sentrum", Asker` || open.B.Sector != "primary-health" ||
		open.SharedCitizens != 6 || open.Collaborating != 4 || open.Share == nil || *open.Share != 0.6667 || open.Suppressed {
		t.Fatalf("GP–DPS cell: %+v", open)
	}
	if small.A.EntryID != "gp-a" || small.B.EntryID != "nav-a" || !small.Suppressed || small.SharedCitizens != 0 || small.Collaborating != 0 || small.Share != nil {
		t.Fatalf("GP–NAV cell must be suppressed: %+v", small)
	}
	if raw := fetch(t, h, "/v1/areas/3203/matrix").Body.String(); strings.Count(raw, `"share"`) != 1 {
		t.Fatalf("a suppressed cell has no share: %s", raw)
	}
	// k is never below 5; above it, the six shared citizens are a small cell too.
	if m := matrix("/v1/areas/3203/matrix?k=2"); m.K != 5 || len(m.Pairs) != 2 {
		t.Fatalf("k=2 is raised to 5: %+v", m)
	}
	if m := matrix("/v1/areas/3203/matrix?k=7"); m.K != 7 || len(m.Pairs) != 1 || m.Pairs[0].B.EntryID != "nav-a" {
		t.Fatalf("k=7: %+v", m)
	}
	// Before the services and the agreement began (all today), no pair.
	if m := matrix("/v1/areas/3203/matrix?at=2026-06-01"); m.At != d("2026-06-01") || len(m.Pairs) != 0 {
		t.Fatalf("in June no two organisations were joined: %+v", m)
	}
	if m := matrix("/v1/areas/3201/matrix"); m.Pairs == nil || len(m.Pairs) != 0 {
		t.Fatalf("a municipality without maps has an empty matrix: %+v", m)
	}

	rec := fetch(t, h, "/v1/areas/3203/matrix.csv")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("matrix.csv: %d %s", rec.Code, rec.Header())
	}
	raw := rec.Body.Bytes()
	if bytes.Count(raw, []byte("\r\n")) != 3 || bytes.Count(raw, []byte("\n")) != 3 {
		t.Fatalf("RFC 4180: three CRLF-ended lines: %q", raw)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(rows[0], ",")
	if header != "aEntryId,aName,aSector,bEntryId,bName,bSector,sharedCitizens,collaborating,share,suppressed" {
		t.Fatalf("header: %s", header)
	}
	if r := rows[1]; r[1] != `DPS "Sentrum", Asker` || r[4] != "'=SUM(A1) legekontor" || r[6] != "6" || r[7] != "4" || r[8] != "0.6667" || r[9] != "false" {
		t.Fatalf("first row (quotes and commas kept, a formula defused): %q", r)
	}
	if r := rows[2]; r[1] != "'=SUM(A1) legekontor" || r[6] != "0" || r[8] != "" || r[9] != "true" {
		t.Fatalf("suppressed row: %q", r)
	}

	refused(t, h, "/v1/areas/Asker/matrix", 400, "municipality")
	refused(t, h, "/v1/areas/3203/matrix?k=-1", 400, "k")
	refused(t, h, "/v1/areas/3203/matrix?k=five", 400, "k")
	refused(t, h, "/v1/areas/3203/matrix?at=2026-02-30", 400, "at")
	refused(t, h, "/v1/areas/3203/matrix.csv?k=-1", 400, "k")
	refused(t, h, "/v1/areas/Asker/matrix.csv", 400, "municipality")

	data, code, _ := ask(t, nc, areaReader, "samspill.query.matrix", `{"municipality":"3203"}`)
	var viaNATS graph.MatrixAnswer
	if code != "" || json.Unmarshal(data, &viaNATS) != nil || len(viaNATS.Pairs) != 2 || viaNATS.Pairs[0].SharedCitizens != 6 || !viaNATS.Pairs[1].Suppressed {
		t.Fatalf("micro matrix: %s %s", code, data)
	}
	for body, field := range map[string]string{`{}`: "municipality", `{"municipality":"3203","k":-3}`: "k", `{"municipality":"3203","at":"June"}`: ""} {
		if _, code, f := ask(t, nc, areaReader, "samspill.query.matrix", body); code != "400" || f != field {
			t.Errorf("micro matrix %s: %s naming %q, want 400 naming %q", body, code, f, field)
		}
	}
}

func TestSpreadsheetSafeCSV(t *testing.T) {
	m := &graph.MatrixAnswer{Pairs: []graph.MatrixPair{{
		A: graph.MatrixOrganisation{EntryID: "a", Name: "+47 22 00 00 00", Sector: "housing"},
		B: graph.MatrixOrganisation{EntryID: "b", Name: "@home\tcare", Sector: "-"},
	}, {
		A: graph.MatrixOrganisation{EntryID: "c", Name: "\tTab", Sector: "peer"},
		B: graph.MatrixOrganisation{EntryID: "d", Name: "Line\r\nbreak", Sector: "peer"},
	}}}
	raw, err := graph.MatrixCSV(m)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][2]string{{rows[1][1], "'+47 22 00 00 00"}, {rows[1][4], "'@home\tcare"}, {rows[1][5], "'-"}, {rows[2][1], "'\tTab"}, {rows[2][4], "Line\nbreak"}} {
		if want[0] != want[1] {
			t.Errorf("cell %q, want %q", want[0], want[1])
		}
	}
}
