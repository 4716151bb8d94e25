package access_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

const mapID = "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65"

var (
	coordinator = access.Principal{Subject: "usr:kari", Role: access.Coordinator, Municipality: "3301"}
	analyst     = access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"}
	admin       = access.Principal{Subject: "usr:ada", Role: access.Admin}
	integration = access.Principal{Subject: "tok:ehr", Role: access.Integration, Grants: []string{"area.3301.read", "bundle.*.read"}}
)

// TestDecide is the rule table: each role, each kind of resource and
// action, allowed or refused.
func TestDecide(t *testing.T) {
	cases := []struct {
		p        access.Principal
		a        access.Action
		r        access.Resource
		assigned bool
		allowed  bool
	}{
		{coordinator, access.Read, access.Map(mapID), true, true},
		{coordinator, access.Write, access.Map(mapID), true, true},
		{coordinator, access.Erase, access.Map(mapID), true, true},
		{coordinator, access.Read, access.Map(mapID), false, false},
		{coordinator, access.Write, access.Map(mapID), false, false},
		{coordinator, access.Erase, access.Map(mapID), false, false},
		{coordinator, access.Assign, access.Map(mapID), true, false},
		{coordinator, access.Open, access.Map(mapID), false, true},
		{coordinator, access.Read, access.Maps, false, true},
		{coordinator, access.Read, access.Directory, false, true},
		{coordinator, access.Manage, access.Directory, false, false},
		{coordinator, access.Read, access.Area("3301"), false, false},
		{coordinator, access.Read, access.Bundle("3301"), false, false},
		{coordinator, access.Read, access.Audit, false, false},
		{analyst, access.Read, access.Area("3301"), false, true},
		{analyst, access.Read, access.Area("3203"), false, false},
		{analyst, access.Read, access.Bundle("3301"), false, false},
		{analyst, access.Read, access.Map(mapID), true, false},
		{analyst, access.Read, access.Maps, false, false},
		{analyst, access.Open, access.Map(mapID), false, false},
		{analyst, access.Read, access.Directory, false, true},
		{analyst, access.Manage, access.Directory, false, false},
		{admin, access.Manage, access.Directory, false, true},
		{admin, access.Assign, access.Map(mapID), false, true},
		{admin, access.Read, access.Maps, false, true},
		{admin, access.Read, access.Audit, false, true},
		{admin, access.Manage, access.Tokens, false, true},
		{admin, access.Read, access.Map(mapID), true, false},
		{admin, access.Write, access.Map(mapID), true, false},
		{admin, access.Erase, access.Map(mapID), true, false},
		{admin, access.Open, access.Map(mapID), false, false},
		{admin, access.Read, access.Area("3301"), false, false},
		{integration, access.Read, access.Area("3301"), false, true},
		{integration, access.Read, access.Area("3203"), false, false},
		{integration, access.Read, access.Bundle("3203"), false, true},
		{integration, access.Read, access.Map(mapID), false, false},
		{integration, access.Write, access.Area("3301"), false, false},
		{integration, access.Read, access.Directory, false, false},
		{integration, access.Read, access.Audit, false, false},
		{access.Principal{Subject: "tok:x", Role: access.Integration, Grants: []string{">"}}, access.Read, access.Audit, false, false},
		{access.Principal{Subject: "tok:x", Role: access.Integration, Grants: []string{">"}}, access.Read, access.Tokens, false, false},
		{access.Principal{Subject: "tok:x", Role: access.Integration, Grants: []string{">"}}, access.Read, access.Map(mapID), false, true},
		// An id with wildcard characters cannot be matched by a grant.
		{integration, access.Read, access.Area("33*1"), false, false},
		// A principal that does not validate is refused everything.
		{access.Principal{Subject: "usr:x", Role: "superuser"}, access.Read, access.Directory, false, false},
		{access.Principal{Subject: "12345678911", Role: access.Coordinator}, access.Read, access.Maps, false, true},
		{access.Principal{Subject: "usr:per", Role: access.Analyst}, access.Read, access.Area(""), false, false},
	}
	for _, c := range cases {
		err := access.Decide(c.p, c.a, c.r, c.assigned)
		if (err == nil) != c.allowed {
			t.Errorf("%s %s %s (assigned %v): got %v, want allowed=%v", c.p.Role, c.a, c.r.Subject(c.a), c.assigned, err, c.allowed)
		}
		var d *access.Denied
		if err != nil && !errors.As(err, &d) {
			t.Errorf("refusal %v is not a *Denied", err)
		}
	}
}

// TestPrincipalValidate: a national identity number as subject, unknown
// roles, analysts without a municipality and grants outside integrations
// are refused, naming the field.
func TestPrincipalValidate(t *testing.T) {
	for _, c := range []struct {
		p    access.Principal
		want string
	}{
		{access.Principal{Subject: "01010012356", Role: access.Coordinator}, "national identity number"},
		{access.Principal{Subject: "usr:a b", Role: access.Coordinator}, "sub:"},
		{access.Principal{Subject: "usr:a", Role: "root"}, "role:"},
		{access.Principal{Subject: "usr:a", Role: access.Analyst}, "municipality:"},
		{access.Principal{Subject: "usr:a", Role: access.Coordinator, Municipality: "33"}, "municipality:"},
		{access.Principal{Subject: "usr:a", Role: access.Admin, Grants: []string{"area.3301.read"}}, "grants:"},
		{access.Principal{Subject: "usr:a", Role: access.Integration, Grants: []string{"area..read"}}, "grants:"},
		{access.Principal{Subject: "usr:a", Role: access.Coordinator, Purpose: "FUN"}, "purpose:"},
	} {
		err := c.p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %q", c.p, err, c.want)
		}
	}
	for _, p := range []access.Principal{coordinator, analyst, admin, integration} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// TestAssertion: an assertion round-trips its principal; one signed by
// another key, altered, expired, or of a principal that does not validate
// is refused.
func TestAssertion(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	signer := newSigner(t, clock)
	tok, exp, err := signer.Sign(integration)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(access.AssertionTTL)) {
		t.Fatalf("expires %v", exp)
	}
	got, err := signer.Verifier().Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != integration.Subject || got.Role != integration.Role || strings.Join(got.Grants, ",") != strings.Join(integration.Grants, ",") {
		t.Fatalf("round trip: %+v", got)
	}
	other := newSigner(t, clock)
	if _, err := other.Verifier().Verify(tok); !errors.Is(err, access.ErrAssertion) {
		t.Fatalf("another key: %v", err)
	}
	parts := strings.Split(tok, ".")
	claims := strings.Replace(parts[1], parts[1][:4], "eyJz", 1)
	if _, err := signer.Verifier().Verify(parts[0] + "." + claims + "x." + parts[2]); !errors.Is(err, access.ErrAssertion) {
		t.Fatalf("altered: %v", err)
	}
	now = now.Add(access.AssertionTTL + time.Second)
	if _, err := signer.Verifier().Verify(tok); !errors.Is(err, access.ErrAssertion) || !strings.Contains(err.Error(), "exp") {
		t.Fatalf("expired: %v", err)
	}
	if _, _, err := signer.Sign(access.Principal{Subject: "usr:x", Role: "root"}); err == nil {
		t.Fatal("signed a principal with an unknown role")
	}
	if _, err := signer.Verifier().Verify(""); !errors.Is(err, access.ErrAssertion) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := signer.Verifier().Verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."); !errors.Is(err, access.ErrAssertion) {
		t.Fatalf("alg none: %v", err)
	}
}

// TestKeyFiles: the signing key is created once and read back the same;
// the public key round-trips through PEM.
func TestKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "access.key")
	k1, err := access.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := access.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Fatal("the key changed between two loads")
	}
	pem, err := access.MarshalPublicKey(k1.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := access.ParsePublicKey(pem)
	if err != nil || !pub.Equal(k1.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	if _, err := access.ParsePublicKey([]byte("not pem")); err == nil {
		t.Fatal("parsed garbage")
	}
}

// TestGuardAudits: on a real JetStream, the guard writes a record for an
// allowed map read and for each refusal, none for a directory read, and
// refuses an allowed read it cannot audit.
func TestGuardAudits(t *testing.T) {
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	ctx := context.Background()
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	assigned := func(id, sub string) bool { return id == mapID && sub == coordinator.Subject }
	g := access.NewGuard(audit.NewWriter(js, "graph", nil), assigned, nil)

	p := coordinator
	p.Purpose = access.PurposeCareManagement
	if _, err := g.Check(access.WithPrincipal(ctx, p), "query.map", access.Read, access.Map(mapID)); err != nil {
		t.Fatal(err)
	}
	other := p
	other.Subject = "usr:ola"
	_, err := g.Check(access.WithPrincipal(ctx, other), "query.map", access.Read, access.Map(mapID))
	if st, code, _ := access.Status(err); st != http.StatusForbidden || code != "forbidden" {
		t.Fatalf("someone else's map: %v (%d)", err, st)
	}
	if _, err := g.Check(access.WithPrincipal(ctx, analyst), "query.directory", access.Read, access.Directory); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Check(ctx, "query.map", access.Read, access.Map(mapID)); !errors.Is(err, access.ErrUnauthenticated) {
		t.Fatalf("no principal: %v", err)
	}

	recs := readAudit(t, js, 2)
	if r := recs[0]; r.Outcome != audit.Allowed || r.Subject != "usr:kari" || r.Purpose != "CAREMGT" || r.Resource != mapID ||
		r.Operation != "query.map" || r.Service != "graph" || r.Kind != "map" {
		t.Fatalf("allowed record: %+v", r)
	}
	if r := recs[1]; r.Outcome != audit.Denied || r.Subject != "usr:ola" || !strings.Contains(r.Reason, "not assigned") {
		t.Fatalf("denied record: %+v", r)
	}

	// Without the stream, an allowed read is not served; a refusal stays a
	// refusal.
	if err := js.DeleteStream(ctx, audit.Stream); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(access.WithPrincipal(ctx, p), 2*time.Second)
	defer cancel()
	if _, err := g.Check(short, "query.map", access.Read, access.Map(mapID)); !errors.Is(err, access.ErrAuditUnavailable) {
		t.Fatalf("unauditable read: %v", err)
	}
	var d *access.Denied
	if _, err := g.Check(access.WithPrincipal(short, other), "query.map", access.Read, access.Map(mapID)); !errors.As(err, &d) {
		t.Fatalf("unauditable refusal: %v", err)
	}
}

// TestHTTPAndHeaders: the middleware puts the bearer assertion's principal
// in the context with the purpose header, answers 401 for a bad
// credential and 400 for an unknown purpose, and lets a request without
// credentials through without a principal; FromHeaders does the same for
// NATS headers.
func TestHTTPAndHeaders(t *testing.T) {
	signer := newSigner(t, nil)
	tok, _, err := signer.Sign(coordinator)
	if err != nil {
		t.Fatal(err)
	}
	h := access.HTTP(signer.Verifier(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := access.FromContext(r.Context())
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": ok, "p": p})
	}))
	do := func(auth, purpose string) (int, string) {
		req := httptest.NewRequest("GET", "/v1/maps", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if purpose != "" {
			req.Header.Set(access.HeaderPurpose, purpose)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if st, body := do("Bearer "+tok, "TREAT"); st != 200 || !strings.Contains(body, `"purpose":"TREAT"`) || !strings.Contains(body, `"sub":"usr:kari"`) {
		t.Fatalf("%d %s", st, body)
	}
	if st, body := do("Bearer "+tok, ""); st != 200 || !strings.Contains(body, `"purpose":"COC"`) {
		t.Fatalf("default purpose: %d %s", st, body)
	}
	if st, body := do("", ""); st != 200 || !strings.Contains(body, `"ok":false`) {
		t.Fatalf("anonymous: %d %s", st, body)
	}
	for _, bad := range []string{"Bearer nonsense", "Basic dXNlcjpwdw==", "Bearer "} {
		if st, _ := do(bad, ""); st != http.StatusUnauthorized {
			t.Fatalf("%q: %d", bad, st)
		}
	}
	if st, body := do("Bearer "+tok, "FUN"); st != http.StatusBadRequest || !strings.Contains(body, access.HeaderPurpose) {
		t.Fatalf("unknown purpose: %d %s", st, body)
	}

	ctx := context.Background()
	got, err := signer.Verifier().FromHeaders(ctx, nats.Header{access.HeaderAssertion: {tok}, access.HeaderPurpose: {"PATRQT"}})
	if p, ok := access.FromContext(got); err != nil || !ok || p.Purpose != access.PurposePatientRequest {
		t.Fatalf("headers: %v %+v", err, p)
	}
	if got, err := signer.Verifier().FromHeaders(ctx, nats.Header{}); err != nil || got != ctx {
		t.Fatalf("no assertion: %v", err)
	}
	if _, err := signer.Verifier().FromHeaders(ctx, nats.Header{access.HeaderAssertion: {"x.y.z"}}); err == nil {
		t.Fatal("bad assertion accepted")
	}
}

func newSigner(t *testing.T, now func() time.Time) *access.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := access.NewSigner(key, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readAudit(t *testing.T, js jetstream.JetStream, n int) []audit.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, audit.Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for len(out) < n {
		m, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("after %d records: %v", len(out), err)
		}
		var r audit.Record
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			t.Fatal(err)
		}
		if m.Subject() != r.NATSSubject() {
			t.Fatalf("record %s under subject %s", r.NATSSubject(), m.Subject())
		}
		out = append(out, r)
	}
	if info, _ := js.Stream(ctx, audit.Stream); info != nil && info.CachedInfo().State.Msgs != uint64(n) {
		t.Fatalf("%d records stored, want %d", info.CachedInfo().State.Msgs, n)
	}
	return out
}

// TestHTTPKeepsPattern: middleware outside access.HTTP sees the route
// pattern the inner mux matched.
func TestHTTPKeepsPattern(t *testing.T) {
	signer := newSigner(t, nil)
	tok, _, err := signer.Sign(coordinator)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/maps/{mapId}", func(http.ResponseWriter, *http.Request) {})
	h := access.HTTP(signer.Verifier(), mux)
	req := httptest.NewRequest("GET", "/v1/maps/"+mapID, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if req.Pattern != "GET /v1/maps/{mapId}" {
		t.Fatalf("outer request's pattern %q", req.Pattern)
	}
}

// TestGuardCatchesUp: a coordinator's map the read side has not yet seen
// assigned to them is allowed once the catch-up has brought it up to date,
// and no refusal is recorded; without the catch-up, it is refused.
func TestGuardCatchesUp(t *testing.T) {
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	ctx := context.Background()
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	var applied atomic.Uint64
	assigned := func(id, sub string) bool { return applied.Load() >= 7 && sub == coordinator.Subject }
	go func() { time.Sleep(50 * time.Millisecond); applied.Store(7) }()
	g := access.NewGuard(audit.NewWriter(js, "graph", nil), assigned, nil).
		WithCatchUp(access.CatchUp(func(context.Context) (uint64, error) { return 7, nil }, applied.Load))
	if _, err := g.Check(access.WithPrincipal(ctx, coordinator), "query.map", access.Read, access.Map(mapID)); err != nil {
		t.Fatalf("after catching up: %v", err)
	}
	if r := readAudit(t, js, 1)[0]; r.Outcome != audit.Allowed {
		t.Fatalf("recorded %+v", r)
	}
	// A read side that never gets there: refused after CatchUpWait.
	stuck := access.NewGuard(audit.NewWriter(js, "graph", nil), func(string, string) bool { return false }, nil).
		WithCatchUp(access.CatchUp(func(context.Context) (uint64, error) { return 8, nil }, applied.Load))
	var d *access.Denied
	if _, err := stuck.Check(access.WithPrincipal(ctx, coordinator), "query.map", access.Read, access.Map(mapID)); !errors.As(err, &d) {
		t.Fatalf("stuck read side: %v", err)
	}
}

// TestGuardRecordsOnlyIDs: what a client sends as an id is recorded only
// when it has the form of one; a national identity number in a path is
// recorded as "invalid", never as itself.
func TestGuardRecordsOnlyIDs(t *testing.T) {
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	ctx := context.Background()
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	g := access.NewGuard(audit.NewWriter(js, "graph", nil), func(string, string) bool { return false }, nil)
	for _, r := range []access.Resource{access.Map("01010012356"), access.Area("Ola Nordmann"), access.Map(mapID), access.Area("3301")} {
		_, _ = g.Check(access.WithPrincipal(ctx, coordinator), "query.map", access.Read, r)
	}
	recs := readAudit(t, js, 4)
	for i, want := range []string{"invalid", "invalid", mapID, "3301"} {
		if recs[i].Resource != want {
			t.Errorf("record %d: resource %q, want %q", i, recs[i].Resource, want)
		}
	}
}
