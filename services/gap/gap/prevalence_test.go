package gap_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
)

// prevalenceMaps writes six citizen maps of Asker (3203) opened on 15
// January, each with a GP serving the person since then and no contact
// recorded (cold after 60 days: P10; no participation after 180 days:
// P11); two of them also with a DPS that has no tie with the GP (P1, P2,
// P8 on two maps: too few to show). Bærum (3201) gets two maps in October.
func (e *env) prevalenceMaps() uint64 {
	e.t.Helper()
	var last uint64
	citizenMap := func(municipality string, opened date.Date, dps bool) {
		m := command.Meta{ValidTime: opened}
		r := e.do(&command.OpenMap{Meta: m, Focus: stakeholder.FocusCitizen, Label: "Person", Municipality: municipality})
		mapID, citizen := r.IDs["mapId"], r.IDs["citizenId"]
		gp := e.do(&command.AddActor{MapID: mapID, Meta: m, Kind: "person", Level: "service", Sector: "primary-health", Name: "GP"}).IDs["actorId"]
		last = e.do(&command.AddRelation{MapID: mapID, Meta: m, From: gp, To: citizen, Type: "serves", Quality: "good"}).Version
		if dps {
			s := e.do(&command.AddActor{MapID: mapID, Meta: m, Kind: "service", Level: "service", Sector: "specialist-mh", Name: "DPS"}).IDs["actorId"]
			last = e.do(&command.AddRelation{MapID: mapID, Meta: m, From: s, To: citizen, Type: "serves", Quality: "good"}).Version
		}
	}
	for i := range 6 {
		citizenMap("3203", d("2026-01-15"), i < 2)
	}
	for range 2 {
		citizenMap("3201", d("2026-10-01"), false)
	}
	return last
}

// TestPrevalenceOverTime counts, at the end of each month, the open
// citizen maps of a municipality and how many had each P-rule's gap,
// suppressing counts of one to four maps.
func TestPrevalenceOverTime(t *testing.T) {
	t.Parallel()
	e := setup(t)
	last := e.prevalenceMaps()
	g := e.start()
	e.settle(g, last)
	// An integration that may read every area reaches every refusal of a
	// malformed or unknown query.
	h := accesstest.Bearer(t, signer(t), reader, g.Handler())
	nc := e.srv.Conn()
	m, err := g.AddMicro(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	get := func(url string) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		return rec
	}
	prevalence := func(url string) gap.PrevalenceAnswer {
		t.Helper()
		rec := get(url)
		var a gap.PrevalenceAnswer
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		return a
	}
	rule := func(p gap.PrevalencePeriod, id string) gap.RulePrevalence {
		t.Helper()
		for _, r := range p.Rules {
			if r.Rule == id {
				return r
			}
		}
		t.Fatalf("%s: no rule %s in %+v", p.Date, id, p)
		return gap.RulePrevalence{}
	}
	shown := func(r gap.RulePrevalence, maps int, share float64) bool {
		return !r.Suppressed && r.Maps == maps && r.Share != nil && *r.Share == share
	}
	hidden := func(r gap.RulePrevalence) bool { return r.Suppressed && r.Maps == 0 && r.Share == nil }

	a := prevalence("/v1/areas/3203/prevalence?from=2026-01-01&to=2026-08-31&step=month")
	var dates []string
	for _, p := range a.Periods {
		dates = append(dates, p.Date.String())
	}
	if a.Municipality != "3203" || strings.Join(dates, " ") != "2026-01-31 2026-02-28 2026-03-31 2026-04-30 2026-05-31 2026-06-30 2026-07-31 2026-08-31" {
		t.Fatalf("month ends: %v", dates)
	}
	jan, mar, jun, jul := a.Periods[0], a.Periods[2], a.Periods[5], a.Periods[6]
	for _, p := range a.Periods {
		if p.Maps != 6 || len(p.Rules) != 14 || p.Rules[0].Rule != "P1" || p.Rules[13].Rule != "P14" {
			t.Fatalf("%s: %d maps, rules %+v", p.Date, p.Maps, p.Rules)
		}
		for _, id := range []string{"P1", "P2", "P8"} {
			if r := rule(p, id); !hidden(r) {
				t.Errorf("%s %s on two maps must be suppressed: %+v", p.Date, id, r)
			}
		}
		if r := rule(p, "P7"); !shown(r, 0, 0) {
			t.Errorf("%s: every map has a GP, so P7 is 0 of 6 and shown: %+v", p.Date, r)
		}
	}
	if r := rule(jan, "P10"); !shown(r, 0, 0) {
		t.Errorf("in January the GP relations are not yet cold: %+v", r)
	}
	if r := rule(mar, "P10"); !shown(r, 6, 1) {
		t.Errorf("by March every GP relation is cold: %+v", r)
	}
	if r, r2 := rule(jun, "P11"), rule(jul, "P11"); !shown(r, 0, 0) || !shown(r2, 6, 1) {
		t.Errorf("no participation recorded: P11 fires after 180 days (July, not June): %+v %+v", r, r2)
	}

	// Default: the twelve months ending today, by month.
	def := prevalence("/v1/areas/3203/prevalence")
	if n := len(def.Periods); n != 12 || def.Periods[0].Date != d("2025-12-23") || def.Periods[11].Date != d("2026-11-23") {
		t.Fatalf("default periods: %d from %v", n, def.Periods)
	}
	if p := def.Periods[0]; p.Maps != 0 || rule(p, "P10").Suppressed || rule(p, "P10").Share != nil {
		t.Fatalf("before the maps opened: no maps, nothing suppressed, no share: %+v", p)
	}
	// Bærum has two maps: every count, even 0, is about fewer than five people.
	baerum := prevalence("/v1/areas/3201/prevalence?from=2026-11-23")
	if len(baerum.Periods) != 1 || baerum.Periods[0].Maps != 2 {
		t.Fatalf("Bærum: %+v", baerum)
	}
	for _, r := range baerum.Periods[0].Rules {
		if !hidden(r) {
			t.Errorf("Bærum %s: %+v", r.Rule, r)
		}
	}
	if w := prevalence("/v1/areas/3203/prevalence?from=2026-10-01&to=2026-10-29&step=week"); len(w.Periods) != 5 || w.Periods[1].Date != d("2026-10-08") {
		t.Fatalf("weeks: %+v", w.Periods)
	}
	if q := prevalence("/v1/areas/3203/prevalence?to=2026-05-31&step=quarter"); len(q.Periods) != 4 || q.Periods[0].Date != d("2025-08-31") {
		t.Fatalf("quarters: %+v", q.Periods)
	}

	rec := get("/v1/areas/3203/prevalence.csv?from=2026-01-01&to=2026-08-31")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("prevalence.csv: %d %s", rec.Code, rec.Body)
	}
	raw := rec.Body.Bytes()
	if bytes.Count(raw, []byte("\r\n")) != 1+8*14 || bytes.Count(raw, []byte("\n")) != 1+8*14 {
		t.Fatalf("RFC 4180: a header and 112 CRLF-ended rows: %d lines", bytes.Count(raw, []byte("\n")))
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(rows[0], ","); h != "municipality,date,maps,rule,ruleMaps,share,suppressed" {
		t.Fatalf("header: %s", h)
	}
	if r := strings.Join(rows[1], ","); r != "3203,2026-01-31,6,P1,0,,true" {
		t.Fatalf("first row: %s", r)
	}
	if r := strings.Join(rows[2*14+10], ","); r != "3203,2026-03-31,6,P10,6,1,false" {
		t.Fatalf("P10 in March: %s", r)
	}

	for url, want := range map[string][2]any{
		"/v1/areas/Asker/prevalence":                                  {400, "municipality"},
		"/v1/areas/9999/prevalence":                                   {404, "municipality"},
		"/v1/areas/3203/prevalence?from=2026-09-01&to=2026-08-31":     {400, "to"},
		"/v1/areas/3203/prevalence?from=2020-01-01":                   {400, "from"},
		"/v1/areas/3203/prevalence?step=week&from=2025-06-01":         {400, "from"},
		"/v1/areas/3203/prevalence?step=day":                          {400, "step"},
		"/v1/areas/3203/prevalence?from=2026-02-30":                   {400, "from"},
		"/v1/areas/3203/prevalence?k=1":                               {400, "k"},
		"/v1/areas/3203/prevalence.csv?from=2026-09-01&to=2026-08-31": {400, "to"},
		"/v1/areas/9999/prevalence.csv":                               {404, "municipality"},
	} {
		rec := get(url)
		var p struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != want[0] || p.Field != want[1] || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d naming %q (%s), want %d naming %q", url, rec.Code, p.Field, rec.Header().Get("Content-Type"), want[0], want[1])
		}
	}

	ask := func(body string) (*gap.PrevalenceAnswer, string, string) {
		t.Helper()
		msg := accesstest.Request(t, nc, accesstest.Token(t, signer(t), reader), "", gap.PrevalenceSubject, body)
		var e struct {
			Field string `json:"field"`
		}
		if code := msg.Header.Get("Nats-Service-Error-Code"); code != "" {
			_ = json.Unmarshal(msg.Data, &e)
			return nil, code, e.Field
		}
		var a gap.PrevalenceAnswer
		if err := json.Unmarshal(msg.Data, &a); err != nil {
			t.Fatal(err)
		}
		return &a, "", ""
	}
	if a, code, _ := ask(`{"municipality":"3203","from":"2026-01-01","to":"2026-08-31","step":"month"}`); code != "" || len(a.Periods) != 8 || !shown(rule(a.Periods[2], "P10"), 6, 1) {
		t.Fatalf("micro prevalence: %s %+v", code, a)
	}
	for body, want := range map[string][2]string{
		`{"municipality":"3203","step":"fortnight"}`:                    {"400", "step"},
		`{"municipality":"3203","from":"2026-09-01","to":"2026-08-31"}`: {"400", "to"},
		`{"municipality":"9999"}`:                                       {"404", "municipality"},
		`{}`:                                                            {"400", "municipality"},
	} {
		if _, code, field := ask(body); code != want[0] || field != want[1] {
			t.Errorf("micro %s: %s naming %q, want %s naming %q", body, code, field, want[0], want[1])
		}
	}
}
