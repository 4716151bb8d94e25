package auth_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/services/auth/auth"
)

const mapID = "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65"

// The trail that other services' guards write is read back by an
// administrator, filtered, as JSON, CSV (a formula-like subject defused)
// and JSON Lines, over NATS and HTTP; each read is itself in the trail.
func TestAuditRead(t *testing.T) {
	e := start(t, nil)
	graph := access.NewGuard(audit.NewWriter(e.js, "graph", nil), func(m, subject string) bool { return subject == coordinator.Subject }, nil)
	gap := access.NewGuard(audit.NewWriter(e.js, "gap", nil), nil, nil)
	// A subject a spreadsheet would run as a formula (the subject syntax
	// allows a leading @).
	formula := access.Principal{Subject: "@SUM", Role: access.Coordinator}
	began := time.Now()
	for _, c := range []struct {
		g *access.Guard
		p access.Principal
		r access.Resource
	}{
		{graph, coordinator, access.Map(mapID)}, // allowed
		{graph, formula, access.Map(mapID)},     // denied: not assigned
		{graph, analyst, access.Map(mapID)},     // denied
		{gap, analyst, access.Area("3301")},     // allowed
		{gap, analyst, access.Area("0301")},     // denied
	} {
		_, _ = c.g.Check(access.WithPrincipal(e.ctx, c.p), "query.map", access.Read, c.r)
	}

	// Over NATS: the refusals of the graph service.
	st, b := e.request(auth.AuditSubject, &admin, audit.Query{Service: "graph", Outcome: audit.Denied})
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	a := decode[auth.AuditAnswer](t, b)
	if len(a.Records) != 2 || a.Records[0].Subject != "@SUM" || a.Records[1].Subject != analyst.Subject || a.Limit != audit.DefaultLimit {
		t.Fatalf("%+v", a)
	}
	// One map's records, from a time on.
	st, b = e.request(auth.AuditSubject, &admin, audit.Query{Resource: mapID, From: began.Add(-time.Second), Limit: 2})
	if a := decode[auth.AuditAnswer](t, b); st != http.StatusOK || len(a.Records) != 2 || a.Records[0].Subject != coordinator.Subject || a.Limit != 2 {
		t.Fatalf("%d %s", st, b)
	}
	// Over HTTP: an analyst's records of one municipality.
	q := url.Values{"subject": {analyst.Subject}, "kind": {"area"}, "from": {began.Add(-time.Minute).Format(time.RFC3339)}}
	res, b := e.do(http.MethodGet, "/v1/audit?"+q.Encode(), e.assertion(admin), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	if a := decode[auth.AuditAnswer](t, b); len(a.Records) != 2 || a.Records[0].Resource != "3301" || a.Records[0].Outcome != audit.Allowed ||
		a.Records[1].Resource != "0301" || a.Records[1].Outcome != audit.Denied {
		t.Fatalf("%s", b)
	}
	// A date as from: the whole of that day in Norway and later.
	res, b = e.do(http.MethodGet, "/v1/audit?service=gap&from="+began.In(time.UTC).Add(-24*time.Hour).Format(time.DateOnly), e.assertion(admin), nil)
	if a := decode[auth.AuditAnswer](t, b); res.StatusCode != http.StatusOK || len(a.Records) != 2 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}

	// CSV: the formula-like subject is defused.
	res, b = e.do(http.MethodGet, "/v1/audit.csv?service=graph&outcome=denied", e.assertion(admin), nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	subject := slices.Index(audit.CSVColumns, "subject")
	if len(rows) != 3 || !slices.Equal(rows[0], audit.CSVColumns) || rows[1][subject] != "'@SUM" || rows[2][subject] != analyst.Subject {
		t.Fatalf("%q", rows)
	}
	// JSON Lines: one record per line, as stored.
	res, b = e.do(http.MethodGet, "/v1/audit.jsonl?service=gap", e.assertion(admin), nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var lines []audit.Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, r)
	}
	if len(lines) != 2 || lines[0].Service != "gap" || lines[1].Resource != "0301" {
		t.Fatalf("%s", b)
	}

	// Each read is in the trail (6 above), and the next one sees itself.
	reads := e.trail(audit.Query{Service: auth.AuditService, Kind: string(access.KindAudit), Outcome: audit.Allowed})
	if len(reads) != 6 || reads[0].Operation != auth.OpAudit || reads[0].Subject != admin.Subject {
		t.Fatalf("%d reads in the trail: %+v", len(reads), reads)
	}
	st, b = e.request(auth.AuditSubject, &admin, audit.Query{Service: auth.AuditService, Kind: string(access.KindAudit)})
	if a := decode[auth.AuditAnswer](t, b); st != http.StatusOK || len(a.Records) != 7 {
		t.Fatalf("the read does not see itself: %d %s", st, b)
	}

	// Bad queries name the field.
	for _, path := range []string{"/v1/audit?outcome=maybe", "/v1/audit?limit=10001", "/v1/audit?from=yesterday", "/v1/audit?who=x"} {
		if res, b := e.do(http.MethodGet, path, e.assertion(admin), nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, res.StatusCode, b)
		}
	}
}

// A non-administrator reading the trail is refused 403, over NATS and
// HTTP, and the refusal is itself in the trail; without a principal, 401.
func TestAuditReadRefused(t *testing.T) {
	e := start(t, nil)
	integration := access.Principal{Subject: "svc:ehr", Role: access.Integration, Grants: []string{"area.3301.read"}}
	for _, p := range []access.Principal{coordinator, analyst, integration} {
		if st, b := e.request(auth.AuditSubject, &p, audit.Query{}); st != http.StatusForbidden {
			t.Errorf("%s over NATS: %d %s", p.Role, st, b)
		}
		for _, path := range []string{"/v1/audit", "/v1/audit.csv", "/v1/audit.jsonl"} {
			if res, b := e.do(http.MethodGet, path, e.assertion(p), nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d %s", p.Role, path, res.StatusCode, b)
			}
		}
	}
	if st, b := e.request(auth.AuditSubject, nil, audit.Query{}); st != http.StatusUnauthorized {
		t.Errorf("nobody over NATS: %d %s", st, b)
	}
	if res, b := e.do(http.MethodGet, "/v1/audit.csv", "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("nobody over HTTP: %d %s", res.StatusCode, b)
	}
	denied := e.trail(audit.Query{Service: auth.AuditService, Kind: string(access.KindAudit), Outcome: audit.Denied})
	for _, p := range []string{coordinator.Subject, analyst.Subject} {
		n := 0
		for _, r := range denied {
			if r.Subject == p && r.Operation == auth.OpAudit {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%s: %d refusals in the trail, want 4", p, n)
		}
	}
	if !hasRecord(denied, auth.OpAudit, integration.Subject, audit.Denied) {
		t.Error("the integration's refusal is not in the trail")
	}
}
