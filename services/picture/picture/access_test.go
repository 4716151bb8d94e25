package picture_test

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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/picture/picture"
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

func token(tb testing.TB, s *access.Signer, p access.Principal) string {
	tb.Helper()
	tok, _, err := s.Sign(p)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// natsRequest sends a NATS request with tok as its assertion (none when
// empty) and purpose as its purpose of use (the role's default when
// empty).
func natsRequest(tb testing.TB, nc *nats.Conn, tok, purpose, subject, body string) *nats.Msg {
	tb.Helper()
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
		tb.Fatalf("%s %s: %v", subject, body, err)
	}
	return msg
}

// auditHead is the sequence of the audit stream's last record.
func auditHead(tb testing.TB, js jetstream.JetStream) uint64 {
	tb.Helper()
	s, err := js.Stream(context.Background(), audit.Stream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return info.State.LastSeq
}

// auditSince reads the audit records stored after the sequence from.
func auditSince(tb testing.TB, js jetstream.JetStream, from uint64) []audit.Record {
	tb.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, audit.Stream)
	if err != nil {
		tb.Fatal(err)
	}
	var out []audit.Record
	for seq := from + 1; seq <= auditHead(tb, js); seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			tb.Fatal(err)
		}
		var r audit.Record
		if err := json.Unmarshal(m.Data, &r); err != nil {
			tb.Fatal(err)
		}
		if m.Subject != r.NATSSubject() {
			tb.Fatalf("record %s stored under %s", r.NATSSubject(), m.Subject)
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
func runAccess(t *testing.T, e *env, cases []accessCase) {
	t.Helper()
	edge := access.HTTP(signer.Verifier(), e.http)
	for _, c := range cases {
		for _, via := range []string{"nats", "http"} {
			before := auditHead(t, e.js)
			var status int
			var body []byte
			if via == "nats" {
				msg := natsRequest(t, e.nc, c.tok, c.purpose, c.subject, c.body)
				status = 200
				if code := msg.Header.Get(micro.ErrorCodeHeader); code != "" {
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
			recs := auditSince(t, e.js, before)
			switch {
			case c.audit == nil && len(recs) != 0:
				t.Errorf("%s over %s: audited %+v, want nothing", c.name, via, recs)
			case c.audit != nil && len(recs) != 1:
				t.Errorf("%s over %s: %d audit records %+v, want one", c.name, via, len(recs), recs)
			case c.audit != nil:
				r, w := recs[0], c.audit
				got := wantAudit{r.Subject, r.Purpose, r.Operation, r.Kind, r.Resource, r.Outcome}
				if got != *w || r.Service != "picture" || r.Action != string(access.Read) || (r.Outcome == audit.Denied) != (r.Reason != "") {
					t.Errorf("%s over %s: audited %+v, want %+v by picture", c.name, via, r, *w)
				}
			}
		}
	}
}

// TestAccessPerRole: each role's pictures over NATS and HTTP, allowed and
// refused, and what each leaves in the audit trail. A refused picture is
// neither drawn nor cached.
func TestAccessPerRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	kari := access.Principal{Subject: "usr:kari", Role: access.Coordinator}
	per := access.Principal{Subject: "usr:per", Role: access.Coordinator}
	anders := access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"}
	ehrArea := access.Principal{Subject: "tok:ehr-area", Role: access.Integration, Grants: []string{"area.3301.read"}}
	ehrBundle := access.Principal{Subject: "tok:ehr-bundle", Role: access.Integration, Grants: []string{"bundle.3301.read"}}

	// Kari's map in 3301; the directory and the actors as env.openPerson
	// writes them, but opened by Kari.
	e.doAs(admin, &command.RegisterEntry{EntryID: "legekontor-3301", Kind: "service", Name: "Bølgen legekontor", Sector: "primary-health", Municipality: "3301"})
	r := e.doAs(kari, &command.OpenMap{Meta: cmdMeta("2026-05-01"), Focus: "citizen", Label: "Åse Ødegård", Municipality: "3301", CitizenName: "Åse Ødegård"})
	m := r.IDs["mapId"]
	gp := e.doAs(kari, &command.AddActor{MapID: m, Meta: cmdMeta("2026-05-01"), Kind: "person", Level: "service", Sector: "primary-health",
		Name: "Dr. Bjørnstad", Directory: "legekontor-3301"}).IDs["actorId"]
	e.doAs(kari, &command.AddRelation{MapID: m, Meta: cmdMeta("2026-06-01"), From: gp, To: r.IDs["citizenId"], Type: "serves", Quality: "good"})

	const nobody = "5f0c7a4e-8d2b-4c1a-9e3f-0a1b2c3d4e5f"
	tok := func(p access.Principal) string { return token(t, signer, p) }
	allowed := func(p access.Principal, purpose, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, purpose, op, kind, id, audit.Allowed}
	}
	denied := func(p access.Principal, op, kind, id string) *wantAudit {
		return &wantAudit{p.Subject, string(access.DefaultPurpose(p.Role)), op, kind, id, audit.Denied}
	}
	mapQ := `{"mapId":"` + m + `","format":"dot"}`
	mapURL := mapPath(m, "dot")
	changesQ := `{"mapId":"` + m + `","from":"2026-05-15","format":"dot"}`
	changesURL := "/v1/maps/" + m + "/changes/picture.dot?from=2026-05-15"
	areaQ := func(m string) string { return `{"municipality":"` + m + `","format":"dot"}` }
	areaURL := func(m string) string { return "/v1/areas/" + m + "/picture.dot" }
	shows := func(s string) func(*testing.T, []byte) {
		return func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("picture lacks %q: %.300s", s, b)
			}
		}
	}
	expired := token(t, newSigner(9, func() time.Time { return time.Now().Add(-time.Hour) }), kari)
	forged := token(t, newSigner(10, nil), kari)

	runAccess(t, e, []accessCase{
		{name: "coordinator not assigned asks for the map's picture", tok: tok(per), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 403, audit: denied(per, "render.map", "map", m)},
		{name: "coordinator not assigned asks for the changes", tok: tok(per), subject: "samspill.render.changes", body: changesQ, url: changesURL,
			status: 403, audit: denied(per, "render.changes", "map", m)},
		{name: "coordinator not assigned asks for a map that does not exist", tok: tok(per), subject: "samspill.render.map",
			body: `{"mapId":"` + nobody + `","format":"svg"}`, url: mapPath(nobody, "svg"), status: 403, audit: denied(per, "render.map", "map", nobody)},
		{name: "analyst asks for a map's picture", tok: tok(anders), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 403, audit: denied(anders, "render.map", "map", m)},
		{name: "admin asks for a map's picture", tok: tok(admin), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 403, audit: denied(admin, "render.map", "map", m)},
		{name: "integration granted the area asks for a map's picture", tok: tok(ehrArea), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 403, audit: denied(ehrArea, "render.map", "map", m)},
		{name: "no assertion", subject: "samspill.render.map", body: mapQ, url: mapURL, status: 401},
		{name: "no assertion, area", subject: "samspill.render.area", body: areaQ("3301"), url: areaURL("3301"), status: 401},
		{name: "expired assertion", tok: expired, subject: "samspill.render.map", body: mapQ, url: mapURL, status: 401},
		{name: "assertion of another key", tok: forged, subject: "samspill.render.map", body: mapQ, url: mapURL, status: 401},
	})
	if got := e.objects(""); len(got) != 0 {
		t.Fatalf("refused requests cached pictures: %v", got)
	}

	runAccess(t, e, []accessCase{
		{name: "assigned coordinator asks for their map's picture", tok: tok(kari), purpose: string(access.PurposeCareManagement),
			subject: "samspill.render.map", body: mapQ, url: mapURL, status: 200,
			audit: allowed(kari, "CAREMGT", "render.map", "map", m), check: shows("Bjørnstad")},
		{name: "assigned coordinator asks for the changes", tok: tok(kari), subject: "samspill.render.changes", body: changesQ, url: changesURL,
			status: 200, audit: allowed(kari, "COC", "render.changes", "map", m), check: shows("Bjørnstad")},
		{name: "coordinator asks for an area's picture", tok: tok(kari), subject: "samspill.render.area", body: areaQ("3301"), url: areaURL("3301"),
			status: 403, audit: denied(kari, "render.area", "area", "3301")},
		{name: "analyst asks for their municipality's picture", tok: tok(anders), subject: "samspill.render.area", body: areaQ("3301"),
			url: areaURL("3301"), status: 200, audit: allowed(anders, "HOPERAT", "render.area", "area", "3301"), check: shows("legekontor")},
		{name: "analyst asks for another municipality's picture", tok: tok(anders), subject: "samspill.render.area", body: areaQ("3203"),
			url: areaURL("3203"), status: 403, audit: denied(anders, "render.area", "area", "3203")},
		{name: "admin asks for an area's picture", tok: tok(admin), subject: "samspill.render.area", body: areaQ("3301"), url: areaURL("3301"),
			status: 403, audit: denied(admin, "render.area", "area", "3301")},
		{name: "integration granted the area asks for its picture", tok: tok(ehrArea), subject: "samspill.render.area", body: areaQ("3301"),
			url: areaURL("3301"), status: 200, audit: allowed(ehrArea, "HOPERAT", "render.area", "area", "3301")},
		{name: "integration granted an area asks for another", tok: tok(ehrArea), subject: "samspill.render.area", body: areaQ("3203"),
			url: areaURL("3203"), status: 403, audit: denied(ehrArea, "render.area", "area", "3203")},
		{name: "integration granted the bundle asks for the area's picture", tok: tok(ehrBundle), subject: "samspill.render.area", body: areaQ("3301"),
			url: areaURL("3301"), status: 403, audit: denied(ehrBundle, "render.area", "area", "3301")},
	})

	// A grant lets Per see Kari's map, from the cache too; a revocation
	// refuses him again, cached or not.
	e.doAs(admin, &command.GrantAccess{MapID: m, Principal: per.Subject})
	runAccess(t, e, []accessCase{
		{name: "granted coordinator asks for the map's picture", tok: tok(per), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 200, audit: allowed(per, "COC", "render.map", "map", m), check: shows("Bjørnstad")},
	})
	e.doAs(admin, &command.RevokeAccess{MapID: m, Principal: per.Subject})
	runAccess(t, e, []accessCase{
		{name: "revoked coordinator asks for the map's picture", tok: tok(per), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 403, audit: denied(per, "render.map", "map", m)},
		{name: "the opener still gets it", tok: tok(kari), subject: "samspill.render.map", body: mapQ, url: mapURL,
			status: 200, audit: allowed(kari, "COC", "render.map", "map", m), check: shows("Bjørnstad")},
	})
}

// TestBootRefusesWithoutAudit: a render service that cannot audit does
// not start.
func TestBootRefusesWithoutAudit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := picture.Boot(context.Background(), e.conn(), picture.Options{MasterKey: master, Engine: engine(t), Verifier: signer.Verifier()}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("Boot without Audit: %v", err)
	}
	keys, err := seal.OpenKeyring(context.Background(), e.js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := picture.New(context.Background(), e.js, e.log, picture.Config{Engine: engine(t), Keys: keys}); err == nil || !strings.Contains(err.Error(), "Audit") {
		t.Fatalf("New without Audit: %v", err)
	}
}
