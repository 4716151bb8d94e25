package gap_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
)

// The access service's key in these tests, and the principals.
var (
	signer = newSigner(9, nil)
	// opener is who env.do opens maps as: they are assigned to them.
	opener = access.Principal{Subject: "usr:test", Role: access.Coordinator}
	// admin registers the directory's entries and grants access.
	admin = access.Principal{Subject: "usr:ada", Role: access.Admin}
	// reader is an integration granted every map and area: it reaches the
	// refusals of malformed and unknown ids, which the guard does not let
	// a coordinator or an analyst see.
	reader = access.Principal{Subject: "tok:reader", Role: access.Integration, Grants: []string{"map.*.read", "area.*.read"}}
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
			if status != c.status {
				t.Errorf("%s over %s: %d, want %d: %.300s", c.name, via, status, c.status, body)
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
				if got != *w || r.Service != "gap" || r.Action != string(access.Read) || (r.Outcome == audit.Denied) != (r.Reason != "") {
					t.Errorf("%s over %s: audited %+v, want %+v by gap", c.name, via, r, *w)
				}
			}
		}
	}
}

// TestAccessPerRole: each role's reads of gaps and prevalence over NATS
// and HTTP, allowed and refused, and what each leaves in the audit trail.
func TestAccessPerRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	kari := access.Principal{Subject: "usr:kari", Role: access.Coordinator}
	per := access.Principal{Subject: "usr:per", Role: access.Coordinator}
	anders := access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"}
	ehrArea := access.Principal{Subject: "tok:ehr-area", Role: access.Integration, Grants: []string{"area.3301.read"}}
	ehrBundle := access.Principal{Subject: "tok:ehr-bundle", Role: access.Integration, Grants: []string{"bundle.3301.read"}}

	g := e.start()
	since := command.Meta{ValidTime: d("2026-05-01")}
	r := e.doAs(kari, &command.OpenMap{Meta: since, Focus: stakeholder.FocusCitizen, Label: "Ola N.", Municipality: "3301"})
	m := r.IDs["mapId"]
	gp := e.doAs(kari, &command.AddActor{MapID: m, Meta: since, Kind: "person", Level: "service", Sector: "primary-health", Name: "Dr. Hansen"}).IDs["actorId"]
	e.doAs(kari, &command.AddRelation{MapID: m, Meta: since, From: gp, To: r.IDs["citizenId"], Type: "serves", Quality: "good"})
	nc := e.srv.Conn()
	micro, err := g.AddMicro(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	defer micro.Stop()
	h := g.Handler()

	nobody := uuid.NewString()
	tok := func(p access.Principal) string { return token(t, signer, p) }
	allowed := func(p access.Principal, purpose, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, purpose, op, kind, id, audit.Allowed}
	}
	denied := func(p access.Principal, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, string(access.DefaultPurpose(p.Role)), op, kind, id, audit.Denied}
	}
	mapQ := `{"mapId":"` + m + `"}`
	mapURL := "/v1/maps/" + m + "/gaps"
	gapsOf := func(mapID string) func(*testing.T, []byte) {
		return func(t *testing.T, b []byte) {
			var a gap.Answer
			if err := json.Unmarshal(b, &a); err != nil || len(a.Gaps) == 0 || a.Gaps[0].MapID != mapID {
				t.Errorf("gaps of %s: %v %s", mapID, err, b)
			}
		}
	}
	expired := token(t, newSigner(9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := token(t, newSigner(10, nil), kari)
	area := func(m string) string { return `{"municipality":"` + m + `"}` }

	runAccess(t, e.js, nc, h, []accessCase{
		{name: "assigned coordinator reads their map's gaps", tok: tok(kari), purpose: string(access.PurposeTreatment),
			subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 200,
			audit: allowed(kari, "TREAT", "query.gaps", "map", m), check: gapsOf(m)},
		{name: "coordinator not assigned reads the map's gaps", tok: tok(per), subject: gap.QuerySubject, body: mapQ, url: mapURL,
			status: 403, audit: denied(per, "query.gaps", "map", m)},
		{name: "coordinator not assigned reads a map that does not exist", tok: tok(per), subject: gap.QuerySubject,
			body: `{"mapId":"` + nobody + `"}`, url: "/v1/maps/" + nobody + "/gaps", status: 403, audit: denied(per, "query.gaps", "map", nobody)},
		{name: "coordinator reads an area's gaps", tok: tok(kari), subject: gap.QuerySubject, body: area("3301"), url: "/v1/areas/3301/gaps",
			status: 403, audit: denied(kari, "query.gaps", "area", "3301")},
		{name: "coordinator reads prevalence", tok: tok(kari), subject: gap.PrevalenceSubject, body: area("3301"),
			url: "/v1/areas/3301/prevalence", status: 403, audit: denied(kari, "query.prevalence", "area", "3301")},
		{name: "analyst reads their municipality's gaps", tok: tok(anders), subject: gap.QuerySubject, body: area("3301"),
			url: "/v1/areas/3301/gaps", status: 200, audit: allowed(anders, "HOPERAT", "query.gaps", "area", "3301"), check: gapsOf(m)},
		{name: "analyst reads their municipality's prevalence", tok: tok(anders), subject: gap.PrevalenceSubject, body: area("3301"),
			url: "/v1/areas/3301/prevalence.csv", status: 200, audit: allowed(anders, "HOPERAT", "query.prevalence", "area", "3301")},
		{name: "analyst reads another municipality's gaps", tok: tok(anders), subject: gap.QuerySubject, body: area("3203"),
			url: "/v1/areas/3203/gaps", status: 403, audit: denied(anders, "query.gaps", "area", "3203")},
		{name: "analyst reads another municipality's prevalence", tok: tok(anders), subject: gap.PrevalenceSubject, body: area("3203"),
			url: "/v1/areas/3203/prevalence", status: 403, audit: denied(anders, "query.prevalence", "area", "3203")},
		{name: "analyst reads a map's gaps", tok: tok(anders), subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 403,
			audit: denied(anders, "query.gaps", "map", m)},
		{name: "admin reads a map's gaps", tok: tok(admin), subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 403,
			audit: denied(admin, "query.gaps", "map", m)},
		{name: "admin reads an area's gaps", tok: tok(admin), subject: gap.QuerySubject, body: area("3301"), url: "/v1/areas/3301/gaps",
			status: 403, audit: denied(admin, "query.gaps", "area", "3301")},
		{name: "integration granted the area reads its gaps", tok: tok(ehrArea), subject: gap.QuerySubject, body: area("3301"),
			url: "/v1/areas/3301/gaps", status: 200, audit: allowed(ehrArea, "HOPERAT", "query.gaps", "area", "3301")},
		{name: "integration granted the area reads its prevalence", tok: tok(ehrArea), subject: gap.PrevalenceSubject, body: area("3301"),
			url: "/v1/areas/3301/prevalence", status: 200, audit: allowed(ehrArea, "HOPERAT", "query.prevalence", "area", "3301")},
		{name: "integration granted an area reads another", tok: tok(ehrArea), subject: gap.QuerySubject, body: area("3203"),
			url: "/v1/areas/3203/gaps", status: 403, audit: denied(ehrArea, "query.gaps", "area", "3203")},
		{name: "integration granted an area reads a map's gaps", tok: tok(ehrArea), subject: gap.QuerySubject, body: mapQ, url: mapURL,
			status: 403, audit: denied(ehrArea, "query.gaps", "map", m)},
		{name: "integration granted the bundle reads the area's gaps", tok: tok(ehrBundle), subject: gap.QuerySubject, body: area("3301"),
			url: "/v1/areas/3301/gaps", status: 403, audit: denied(ehrBundle, "query.gaps", "area", "3301")},
		{name: "no assertion", subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 401},
		{name: "no assertion, prevalence", subject: gap.PrevalenceSubject, body: area("3301"), url: "/v1/areas/3301/prevalence", status: 401},
		{name: "no assertion, neither map nor area", subject: gap.QuerySubject, body: `{}`, url: "/v1/areas/3301/gaps", status: 401},
		{name: "expired assertion", tok: expired, subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 401},
		{name: "assertion of another key", tok: forged, subject: gap.QuerySubject, body: mapQ, url: mapURL, status: 401},
	})

	// A grant lets Per read Kari's map's gaps; a revocation refuses him again.
	e.doAs(admin, &command.GrantAccess{MapID: m, Principal: per.Subject})
	runAccess(t, e.js, nc, h, []accessCase{
		{name: "granted coordinator reads the map's gaps", tok: tok(per), subject: gap.QuerySubject, body: mapQ, url: mapURL,
			status: 200, audit: allowed(per, "COC", "query.gaps", "map", m), check: gapsOf(m)},
	})
	e.doAs(admin, &command.RevokeAccess{MapID: m, Principal: per.Subject})
	runAccess(t, e.js, nc, h, []accessCase{
		{name: "revoked coordinator reads the map's gaps", tok: tok(per), subject: gap.QuerySubject, body: mapQ, url: mapURL,
			status: 403, audit: denied(per, "query.gaps", "map", m)},
		{name: "the opener still reads them", tok: tok(kari), subject: gap.QuerySubject, body: mapQ, url: mapURL,
			status: 200, audit: allowed(kari, "COC", "query.gaps", "map", m)},
	})
}

// TestBootRefusesWithoutAudit: a gap service that cannot audit does not
// start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := gap.Boot(context.Background(), e.srv.Conn(), gap.Config{Verifier: signer.Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	if _, err := gap.New(context.Background(), e.js, e.log, gap.Config{}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("New without Audit: %v", err)
	}
}
