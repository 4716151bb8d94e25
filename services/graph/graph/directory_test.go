package graph_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// registerDirectory registers a few entries of Bærum and Asker, one of
// them retired, and returns the log position of the last.
func (e *env) registerDirectory() uint64 {
	e.t.Helper()
	for _, c := range []*command.RegisterEntry{
		{EntryID: "vestre-viken", Kind: "organisation", Name: "Vestre Viken HF", Sector: "governance", Municipality: "3301"},
		{EntryID: "baerum-dps", Kind: "service", Name: "Bærum DPS, poliklinikk", Sector: "specialist-mh", Municipality: "3201", Parent: "vestre-viken"},
		{EntryID: "nav-baerum", Kind: "organisation", Name: "NAV Bærum", Sector: "welfare-work", Municipality: "3201"},
		{EntryID: "baerums-verk-lk", Kind: "organisation", Name: "Bærums Verk legekontor", Sector: "primary-health", Municipality: "3201"},
		{EntryID: "dps-asker", Kind: "service", Name: "DPS Asker", Sector: "specialist-mh", Municipality: "3203"},
		{EntryID: "ovre-eiker-helse", Kind: "organisation", Name: "Øvre Eiker helsestasjon", Sector: "municipal-care", Municipality: "3314"},
		{EntryID: "baerum-legevakt-gml", Kind: "organisation", Name: "Bærum gamle legevakt", Sector: "primary-health", Municipality: "3201"},
	} {
		c.ValidTime = d("2025-01-01")
		e.do(c)
	}
	return e.do(&command.RetireEntry{Meta: command.Meta{ValidTime: d("2026-01-01")}, EntryID: "baerum-legevakt-gml"}).Version
}

// TestDirectorySearch: a search matches the beginnings of the names'
// words without regard to case, Nordic letters included, leaves retired
// entries out, filters by municipality and sector, and is limited.
func TestDirectorySearch(t *testing.T) {
	e := setup(t)
	g, nc := e.running(e.registerDirectory())
	h := accesstest.Bearer(t, signer(t), opener, g.Handler())

	search := func(params url.Values) []string {
		t.Helper()
		rec := fetch(t, h, "/v1/directory?"+params.Encode())
		var ans graph.DirectoryAnswer
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &ans) != nil || ans.Entries == nil {
			t.Fatalf("%v: %d %s", params, rec.Code, rec.Body)
		}
		var ids []string
		for _, e := range ans.Entries {
			ids = append(ids, e.EntryID)
		}
		return ids
	}
	same := func(got []string, want ...string) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	// Names that begin with the query first, by name; then the rest.
	baerum := []string{"baerum-dps", "baerums-verk-lk", "nav-baerum"}
	for _, q := range []string{"bæ", "BÆ", "Bær", "bÆRUM"} {
		if got := search(url.Values{"q": {q}}); !same(got, baerum...) {
			t.Errorf("q=%s: %v, want %v (the retired legevakt left out)", q, got, baerum)
		}
	}
	for q, want := range map[string][]string{
		"bæ dps":  {"baerum-dps"},
		"dps":     {"dps-asker", "baerum-dps"},
		"ø":       {"ovre-eiker-helse"},
		"øvre ei": {"ovre-eiker-helse"},
		"poli":    {"baerum-dps"},
		"ærum":    nil, // inside a word is not a beginning
		"gamle":   nil, // retired
	} {
		if got := search(url.Values{"q": {q}}); !same(got, want...) {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	if got := search(url.Values{"q": {"bæ"}, "sector": {"welfare-work"}}); !same(got, "nav-baerum") {
		t.Errorf("sector filter: %v", got)
	}
	if got := search(url.Values{"municipality": {"3203"}}); !same(got, "dps-asker") {
		t.Errorf("municipality filter, no q: %v", got)
	}
	if got := search(url.Values{"q": {"bæ"}, "limit": {"2"}}); !same(got, baerum[:2]...) {
		t.Errorf("limit 2: %v", got)
	}
	if got := search(url.Values{}); len(got) != 6 {
		t.Errorf("no q lists every active entry: %v", got)
	}
	rec := fetch(t, h, "/v1/directory?q=b%C3%A6+dps")
	var ans graph.DirectoryAnswer
	if json.Unmarshal(rec.Body.Bytes(), &ans) != nil || len(ans.Entries) != 1 {
		t.Fatalf("bæ dps: %s", rec.Body)
	}
	if e := ans.Entries[0]; e.Name != "Bærum DPS, poliklinikk" || e.Kind != "service" || e.Sector != "specialist-mh" || e.Municipality != "3201" || e.Parent != "vestre-viken" {
		t.Fatalf("entry: %+v", e)
	}

	refused(t, h, "/v1/directory?limit=101", 400, "limit")
	refused(t, h, "/v1/directory?limit=-1", 400, "limit")
	refused(t, h, "/v1/directory?limit=many", 400, "limit")
	refused(t, h, "/v1/directory?sector=hospital", 400, "sector")
	refused(t, h, "/v1/directory?municipality=Oslo", 400, "municipality")
	refused(t, h, "/v1/directory?name=x", 400, "name")

	data, code, _ := ask(t, nc, opener, "samspill.query.directory", `{"q":"bæ","limit":2}`)
	if code != "" || json.Unmarshal(data, &ans) != nil || len(ans.Entries) != 2 || ans.Entries[0].EntryID != "baerum-dps" {
		t.Fatalf("micro directory: %s %s", code, data)
	}
	for body, field := range map[string]string{`{"limit":500}`: "limit", `{"sector":"x"}`: "sector", `{"municipality":"x"}`: "municipality"} {
		if _, code, f := ask(t, nc, opener, "samspill.query.directory", body); code != "400" || f != field {
			t.Errorf("micro directory %s: %s naming %q, want 400 naming %q", body, code, f, field)
		}
	}
}
