package graph_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// The access service's key in these tests, and the principals.
var (
	signer = newSigner(9, nil)
	// opener is who env.do opens maps as: they are assigned to them.
	opener = access.Principal{Subject: "t", Role: access.Coordinator}
	// analyst reads the aggregates of 3203, where env's maps are.
	analyst = access.Principal{Subject: "usr:anna", Role: access.Analyst, Municipality: "3203"}
	// mapReader is an integration granted every map: it reaches the
	// refusals of malformed and unknown map ids, which the guard does not
	// let a coordinator see.
	mapReader = access.Principal{Subject: "tok:maps", Role: access.Integration, Grants: []string{"map.*.read"}}
	// areaReader is an integration granted every area: it reaches the
	// refusals of malformed municipalities.
	areaReader = access.Principal{Subject: "tok:areas", Role: access.Integration, Grants: []string{"area.*.read"}}
	// admin registers the directory's entries.
	admin = access.Principal{Subject: "usr:ada", Role: access.Admin}
)

func newSigner(seed byte, now func() time.Time) *access.Signer {
	s, err := access.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)), now)
	if err != nil {
		panic(err)
	}
	return s
}

func token(t testing.TB, s *access.Signer, p access.Principal) string {
	t.Helper()
	tok, _, err := s.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// as serves h, behind access.HTTP, to requests that carry p's assertion
// as their bearer token.
func as(t testing.TB, p access.Principal, h http.Handler) http.Handler {
	edge := access.HTTP(signer.Verifier(), h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token(t, signer, p))
		edge.ServeHTTP(w, r)
	})
}

// request sends a NATS request with tok as its assertion (none when
// empty) and purpose as its purpose of use (the role's default when
// empty).
func request(t testing.TB, nc *nats.Conn, tok, purpose, subject, body string) *nats.Msg {
	t.Helper()
	m := nats.NewMsg(subject)
	m.Data = []byte(body)
	if tok != "" {
		m.Header.Set(access.HeaderAssertion, tok)
	}
	if purpose != "" {
		m.Header.Set(access.HeaderPurpose, purpose)
	}
	msg, err := nc.RequestMsg(m, 10*time.Second)
	if err != nil {
		t.Fatalf("%s %s: %v", subject, body, err)
	}
	return msg
}

// auditHead is the sequence of the audit stream's last record.
func auditHead(t testing.TB, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), audit.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// auditSince reads the audit records stored after the sequence from.
func auditSince(t testing.TB, js jetstream.JetStream, from uint64) []audit.Record {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, audit.Stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for seq := from + 1; seq <= auditHead(t, js); seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var r audit.Record
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		if m.Subject != r.NATSSubject() {
			t.Fatalf("record %s stored under %s", r.NATSSubject(), m.Subject)
		}
		out = append(out, r)
	}
	return out
}

// grantOrRevoke appends access_granted or access_revoked to a map, as the
// command grant_access or revoke_access of an administrator does.
func (e *env) grantOrRevoke(mapID string, data event.Data) uint64 {
	e.t.Helper()
	ctx := context.Background()
	agg := event.MapAggregate(mapID)
	v, err := e.log.Version(ctx, agg)
	if err != nil {
		e.t.Fatal(err)
	}
	env, err := event.New(agg, "/samspill/command", d("2026-11-23"), data)
	if err != nil {
		e.t.Fatal(err)
	}
	env.Time, env.Principal = time.Now(), "usr:ada"
	res, err := e.log.Append(ctx, agg, v, uuid.NewString(), []event.Envelope{env})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Last
}

// wantAudit is the record one request leaves in the audit trail.
type wantAudit struct {
	subject, purpose, operation, kind, resource, outcome string
}

// accessCase is one request of one principal, over NATS and over HTTP.
type accessCase struct {
	name string
	// tok is the assertion sent ("" none), purpose the purpose of use.
	tok, purpose string
	// subject and body over NATS, url over HTTP.
	subject, body, url string
	status             int
	// httpStatus is the status over HTTP when it is not status.
	httpStatus int
	// audit is the record the request leaves; nil: none.
	audit *wantAudit
	// check looks at an allowed answer's body.
	check func(t *testing.T, body []byte)
}

// runAccess sends each case over NATS and over HTTP and checks the status
// and the audit trail.
func runAccess(t *testing.T, js jetstream.JetStream, nc *nats.Conn, h http.Handler, cases []accessCase) {
	t.Helper()
	edge := access.HTTP(signer.Verifier(), h)
	for _, c := range cases {
		for _, via := range []string{"nats", "http"} {
			before := auditHead(t, js)
			var status int
			var body []byte
			if via == "nats" {
				msg := request(t, nc, c.tok, c.purpose, c.subject, c.body)
				status = 200
				if code := msg.Header.Get("Nats-Service-Error-Code"); code != "" {
					status, _ = strconv.Atoi(code)
				}
				body = msg.Data
			} else {
				r := httptest.NewRequest(http.MethodGet, c.url, nil)
				if c.tok != "" {
					r.Header.Set("Authorization", "Bearer "+c.tok)
				}
				if c.purpose != "" {
					r.Header.Set(access.HeaderPurpose, c.purpose)
				}
				rec := httptest.NewRecorder()
				edge.ServeHTTP(rec, r)
				status, body = rec.Code, rec.Body.Bytes()
			}
			want := c.status
			if via == "http" && c.httpStatus != 0 {
				want = c.httpStatus
			}
			if status != want {
				t.Errorf("%s over %s: %d, want %d: %.300s", c.name, via, status, want, body)
				continue
			}
			if status == 200 && c.check != nil {
				c.check(t, body)
			}
			recs := auditSince(t, js, before)
			switch {
			case c.audit == nil && len(recs) != 0:
				t.Errorf("%s over %s: audited %+v, want nothing", c.name, via, recs)
			case c.audit != nil && len(recs) != 1:
				t.Errorf("%s over %s: %d audit records %+v, want one", c.name, via, len(recs), recs)
			case c.audit != nil:
				r, w := recs[0], c.audit
				got := wantAudit{r.Subject, r.Purpose, r.Operation, r.Kind, r.Resource, r.Outcome}
				if got != *w || r.Service != "graph" || r.Action != string(access.Read) || (r.Outcome == audit.Denied) != (r.Reason != "") {
					t.Errorf("%s over %s: audited %+v, want %+v by graph", c.name, via, r, *w)
				}
			}
		}
	}
}

// TestAccessPerRole: each role's reads over NATS and HTTP, allowed and
// refused, and what each leaves in the audit trail.
func TestAccessPerRole(t *testing.T) {
	e := setup(t)
	kari := access.Principal{Subject: "usr:kari", Role: access.Coordinator}
	per := access.Principal{Subject: "usr:per", Role: access.Coordinator}
	anders := access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"}
	ada := admin
	ehrArea := access.Principal{Subject: "tok:ehr-area", Role: access.Integration, Grants: []string{"area.3301.read"}}
	ehrBundle := access.Principal{Subject: "tok:ehr-bundle", Role: access.Integration, Grants: []string{"bundle.3301.read"}}

	m := e.doAs(kari, &command.OpenMap{Meta: command.Meta{ValidTime: d("2026-01-10")}, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3301"}).IDs["mapId"]
	last := e.doAs(kari, &command.AddActor{MapID: m, Meta: command.Meta{ValidTime: d("2026-01-10")}, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen", Ref: "gp"}).Version
	g, nc := e.running(last)
	h := g.Handler()
	nobody := "6a1c9f0e-2b7d-4e3a-8c5f-1d2e3f4a5b6c"
	tok := func(p access.Principal) string { return token(t, signer, p) }
	allowed := func(p access.Principal, purpose, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, purpose, op, kind, id, audit.Allowed}
	}
	denied := func(p access.Principal, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, string(access.DefaultPurpose(p.Role)), op, kind, id, audit.Denied}
	}
	mapQ := `{"mapId":"` + m + `"}`
	shows := func(s string) func(*testing.T, []byte) {
		return func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("answer lacks %q: %.300s", s, b)
			}
		}
	}
	list := func(check func(t *testing.T, ms []graph.MapSummary)) func(*testing.T, []byte) {
		return func(t *testing.T, b []byte) {
			var ms []graph.MapSummary
			if err := json.Unmarshal(b, &ms); err != nil {
				t.Fatal(err)
			}
			check(t, ms)
		}
	}
	expired := token(t, newSigner(9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := token(t, newSigner(10, nil), kari)

	runAccess(t, e.js, nc, h, []accessCase{
		{name: "assigned coordinator reads their map", tok: tok(kari), purpose: string(access.PurposeCareManagement),
			subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m, status: 200,
			audit: allowed(kari, "CAREMGT", "query.map", "map", m), check: shows("Dr. Hansen")},
		{name: "assigned coordinator reads the history", tok: tok(kari), subject: "samspill.query.history", body: mapQ,
			url: "/v1/maps/" + m + "/history", status: 200, audit: allowed(kari, "COC", "query.history", "map", m)},
		{name: "assigned coordinator exports the map", tok: tok(kari), subject: "samspill.query.export",
			body: `{"kind":"map","id":"` + m + `","format":"json"}`, url: "/v1/maps/" + m + "/export.json", status: 200,
			audit: allowed(kari, "COC", "query.export", "map", m), check: shows("Dr. Hansen")},
		{name: "assigned coordinator reads the changes", tok: tok(kari), subject: "samspill.query.changes",
			body: `{"mapId":"` + m + `","from":"2026-01-01"}`, url: "/v1/maps/" + m + "/changes?from=2026-01-01", status: 200,
			audit: allowed(kari, "COC", "query.changes", "map", m)},
		{name: "coordinator not assigned reads the map", tok: tok(per), subject: "samspill.query.map", body: mapQ,
			url: "/v1/maps/" + m, status: 403, audit: denied(per, "query.map", "map", m)},
		{name: "coordinator not assigned reads a map that does not exist", tok: tok(per), subject: "samspill.query.map",
			body: `{"mapId":"` + nobody + `"}`, url: "/v1/maps/" + nobody, status: 403, audit: denied(per, "query.map", "map", nobody)},
		{name: "coordinator not assigned reads the neighbourhood", tok: tok(per), subject: "samspill.query.neighbourhood",
			body: `{"mapId":"` + m + `","actor":"gp"}`, url: "/v1/maps/" + m + "/actors/gp/neighbourhood", status: 403,
			audit: denied(per, "query.neighbourhood", "map", m)},
		{name: "coordinator not assigned exports a careteam", tok: tok(per), subject: "samspill.query.export",
			body: `{"kind":"map","id":"` + m + `","format":"careteam"}`, url: "/v1/maps/" + m + "/careteam.json", status: 403,
			audit: denied(per, "query.export", "map", m)},
		{name: "coordinator not assigned reads the changes", tok: tok(per), subject: "samspill.query.changes",
			body: `{"mapId":"` + m + `","from":"2026-01-01"}`, url: "/v1/maps/" + m + "/changes?from=2026-01-01", status: 403,
			audit: denied(per, "query.changes", "map", m)},
		{name: "coordinator not assigned reads the history", tok: tok(per), subject: "samspill.query.history", body: mapQ,
			url: "/v1/maps/" + m + "/history", status: 403, audit: denied(per, "query.history", "map", m)},
		{name: "coordinator not assigned exports the map as GEXF", tok: tok(per), subject: "samspill.query.export",
			body: `{"kind":"map","id":"` + m + `","format":"gexf"}`, url: "/v1/maps/" + m + "/export.gexf", status: 403,
			audit: denied(per, "query.export", "map", m)},
		{name: "assigned coordinator reads the neighbourhood", tok: tok(kari), subject: "samspill.query.neighbourhood",
			body: `{"mapId":"` + m + `","actor":"gp"}`, url: "/v1/maps/" + m + "/actors/gp/neighbourhood", status: 200,
			audit: allowed(kari, "COC", "query.neighbourhood", "map", m)},
		{name: "assigned coordinator reads the bundle", tok: tok(kari), subject: "samspill.query.bundle", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/bundle", status: 403, audit: denied(kari, "query.bundle", "bundle", "3301")},
		{name: "coordinator reads area aggregates", tok: tok(kari), subject: "samspill.query.system", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/system", status: 403, audit: denied(kari, "query.system", "area", "3301")},
		{name: "coordinator reads a matrix", tok: tok(kari), subject: "samspill.query.matrix", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/matrix.csv", status: 403, audit: denied(kari, "query.matrix", "area", "3301")},
		{name: "coordinator lists the maps assigned to them, with labels", tok: tok(kari), subject: "samspill.query.maps", body: `{}`,
			url: "/v1/maps", status: 200, check: list(func(t *testing.T, ms []graph.MapSummary) {
				if len(ms) != 1 || ms[0].MapID != m || ms[0].Label != "Ola N." || ms[0].Assigned != nil {
					t.Errorf("Kari's list: %+v", ms)
				}
			})},
		{name: "coordinator's list ignores openedBy", tok: tok(per), subject: "samspill.query.maps", body: `{"openedBy":"usr:kari"}`,
			url: "/v1/maps?openedBy=usr:kari", status: 200, check: list(func(t *testing.T, ms []graph.MapSummary) {
				if len(ms) != 0 {
					t.Errorf("Per asking for Kari's maps got %+v", ms)
				}
			})},
		{name: "analyst reads their municipality's system map", tok: tok(anders), subject: "samspill.query.system", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/system", status: 200, audit: allowed(anders, "HOPERAT", "query.system", "area", "3301")},
		{name: "analyst reads their municipality's matrix", tok: tok(anders), subject: "samspill.query.matrix", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/matrix", status: 200, audit: allowed(anders, "HOPERAT", "query.matrix", "area", "3301")},
		{name: "analyst exports their municipality's graph", tok: tok(anders), subject: "samspill.query.export",
			body: `{"kind":"area","id":"3301","format":"gexf"}`, url: "/v1/areas/3301/export.gexf", status: 200,
			audit: allowed(anders, "HOPERAT", "query.export", "area", "3301")},
		{name: "analyst reads another municipality", tok: tok(anders), subject: "samspill.query.system", body: `{"municipality":"3203"}`,
			url: "/v1/areas/3203/system", status: 403, audit: denied(anders, "query.system", "area", "3203")},
		{name: "analyst exports another municipality", tok: tok(anders), subject: "samspill.query.export",
			body: `{"kind":"area","id":"3203","format":"graphml"}`, url: "/v1/areas/3203/export.graphml", status: 403,
			audit: denied(anders, "query.export", "area", "3203")},
		{name: "analyst reads a map", tok: tok(anders), subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m, status: 403,
			audit: denied(anders, "query.map", "map", m)},
		{name: "analyst reads the bundle", tok: tok(anders), subject: "samspill.query.bundle", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/bundle", status: 403, audit: denied(anders, "query.bundle", "bundle", "3301")},
		{name: "analyst searches the directory", tok: tok(anders), subject: "samspill.query.directory", body: `{}`,
			url: "/v1/directory", status: 200},
		{name: "admin reads a map", tok: tok(ada), subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m, status: 403,
			audit: denied(ada, "query.map", "map", m)},
		{name: "admin lists every map, without labels, with assignments", tok: tok(ada), subject: "samspill.query.maps", body: `{}`,
			url: "/v1/maps", status: 200, check: func(t *testing.T, b []byte) {
				var ms []graph.MapSummary
				if err := json.Unmarshal(b, &ms); err != nil {
					t.Fatal(err)
				}
				if len(ms) != 1 || !slices.Equal(ms[0].Assigned, []string{kari.Subject}) || strings.Contains(string(b), "label") || strings.Contains(string(b), "Ola N.") {
					t.Errorf("admin's list: %s", b)
				}
			}},
		{name: "integration granted the area reads its aggregates", tok: tok(ehrArea), subject: "samspill.query.matrix", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/matrix", status: 200, audit: allowed(ehrArea, "HOPERAT", "query.matrix", "area", "3301")},
		{name: "integration granted an area reads another", tok: tok(ehrArea), subject: "samspill.query.system", body: `{"municipality":"3203"}`,
			url: "/v1/areas/3203/system", status: 403, audit: denied(ehrArea, "query.system", "area", "3203")},
		{name: "integration granted the area reads the bundle", tok: tok(ehrArea), subject: "samspill.query.bundle", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/bundle", status: 403, audit: denied(ehrArea, "query.bundle", "bundle", "3301")},
		{name: "integration granted the area reads a map", tok: tok(ehrArea), subject: "samspill.query.map", body: mapQ,
			url: "/v1/maps/" + m, status: 403, audit: denied(ehrArea, "query.map", "map", m)},
		{name: "integration granted the bundle reads it", tok: tok(ehrBundle), subject: "samspill.query.bundle", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/bundle", status: 200, audit: allowed(ehrBundle, "HOPERAT", "query.bundle", "bundle", "3301")},
		{name: "integration granted the bundle reads the aggregates", tok: tok(ehrBundle), subject: "samspill.query.system", body: `{"municipality":"3301"}`,
			url: "/v1/areas/3301/system", status: 403, audit: denied(ehrBundle, "query.system", "area", "3301")},
		{name: "no assertion", subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m, status: 401},
		{name: "no assertion, directory", subject: "samspill.query.directory", body: `{}`, url: "/v1/directory", status: 401},
		{name: "no assertion, an unknown export", subject: "samspill.query.export", body: `{"kind":"file","id":"x","format":"json"}`,
			url: "/v1/areas/3301/export.graphml", status: 401},
		{name: "expired assertion", tok: expired, subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m, status: 401},
		{name: "assertion of another key", tok: forged, subject: "samspill.query.maps", body: `{}`, url: "/v1/maps", status: 401},
		{name: "unknown purpose", tok: tok(kari), purpose: "CURIOSITY", subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m,
			status: 401, httpStatus: 400},
	})

	// A grant lets Per read Kari's map; a revocation refuses him again.
	granted := e.grantOrRevoke(m, &event.AccessGranted{Principal: per.Subject})
	if err := g.WaitFor(context.Background(), granted); err != nil {
		t.Fatal(err)
	}
	runAccess(t, e.js, nc, h, []accessCase{
		{name: "granted coordinator reads the map", tok: tok(per), subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m,
			status: 200, audit: allowed(per, "COC", "query.map", "map", m), check: shows("Dr. Hansen")},
		{name: "granted coordinator lists the map", tok: tok(per), subject: "samspill.query.maps", body: `{}`, url: "/v1/maps", status: 200,
			check: list(func(t *testing.T, ms []graph.MapSummary) {
				if len(ms) != 1 || ms[0].MapID != m || ms[0].Label != "Ola N." {
					t.Errorf("Per's list after the grant: %+v", ms)
				}
			})},
		{name: "admin sees both assigned", tok: tok(ada), subject: "samspill.query.maps", body: `{}`, url: "/v1/maps", status: 200,
			check: list(func(t *testing.T, ms []graph.MapSummary) {
				if len(ms) != 1 || !slices.Equal(ms[0].Assigned, []string{kari.Subject, per.Subject}) {
					t.Errorf("admin's list after the grant: %+v", ms)
				}
			})},
	})
	revoked := e.grantOrRevoke(m, &event.AccessRevoked{Principal: per.Subject})
	if err := g.WaitFor(context.Background(), revoked); err != nil {
		t.Fatal(err)
	}
	runAccess(t, e.js, nc, h, []accessCase{
		{name: "revoked coordinator reads the map", tok: tok(per), subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m,
			status: 403, audit: denied(per, "query.map", "map", m)},
		{name: "the opener still reads it", tok: tok(kari), subject: "samspill.query.map", body: mapQ, url: "/v1/maps/" + m,
			status: 200, audit: allowed(kari, "COC", "query.map", "map", m)},
	})
}

// TestBootRefusesWithoutAudit: a graph service that cannot audit does not
// start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	e := setup(t)
	if _, err := graph.Boot(context.Background(), e.js.Conn(), graph.Options{MasterKey: master, Verifier: signer.Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	if _, err := graph.New(context.Background(), e.js, e.log, e.keys, graph.Config{}); err == nil {
		t.Fatal("New without Audit started")
	}
}

// TestUnauditableReadIsNotServed: without the audit trail a map is not
// read (503); searching the directory, which is not audited, still is.
func TestUnauditableReadIsNotServed(t *testing.T) {
	e := setup(t)
	mapID, last := e.network()
	g, _ := e.running(last)
	if err := e.js.DeleteStream(context.Background(), audit.Stream); err != nil {
		t.Fatal(err)
	}
	h := as(t, opener, g.Handler())
	if rec := fetch(t, h, "/v1/maps/"+mapID); rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "Dr. Hansen") {
		t.Errorf("a map read that cannot be audited: %d %s", rec.Code, rec.Body)
	}
	if rec := fetch(t, h, "/v1/directory"); rec.Code != 200 {
		t.Errorf("a directory search: %d %s", rec.Code, rec.Body)
	}
}
