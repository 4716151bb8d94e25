package auth_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/services/auth/auth"
)

// Only an administrator creates, lists and revokes tokens, over NATS and
// HTTP; every other role is refused 403 and the refusal is in the audit
// trail; a request without a principal is refused 401.
func TestTokenAdministrationByRole(t *testing.T) {
	e := start(t, nil)
	spec := auth.TokenSpec{Name: "EPJ-integrasjon", Role: access.Integration, Grants: []string{"area.3301.read"}}

	// Allowed: the administrator, over NATS.
	st, b := e.request(auth.TokensCreateSubject, &admin, spec)
	if st != http.StatusOK {
		t.Fatalf("admin create over NATS: %d %s", st, b)
	}
	created := decode[auth.CreatedToken](t, b)
	if !strings.HasPrefix(created.Credential, auth.TokenPrefix) || created.Role != access.Integration || created.CreatedBy != admin.Subject ||
		created.Subject != auth.TokenSubjectPrefix+created.ID || created.Expired {
		t.Fatalf("created %+v", created.Token)
	}
	if d := created.ExpiresAt.Sub(e.clock.Now()); d < auth.DefaultTokenTTL-time.Minute || d > auth.DefaultTokenTTL {
		t.Fatalf("default expiry %v from now", d)
	}
	// … and over HTTP with an assertion as bearer.
	res, b := e.do(http.MethodPost, "/v1/tokens", e.assertion(admin), auth.TokenSpec{Name: "Analytiker Bodø", Role: access.Analyst, Municipality: "1804"})
	if res.StatusCode != http.StatusCreated || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("admin create over HTTP: %d %s", res.StatusCode, b)
	}
	second := decode[auth.CreatedToken](t, b)

	st, b = e.request(auth.TokensListSubject, &admin, nil)
	if st != http.StatusOK {
		t.Fatalf("admin list: %d %s", st, b)
	}
	list := decode[auth.TokenList](t, b)
	ids := func(l auth.TokenList) []string {
		var out []string
		for _, tk := range l.Tokens {
			out = append(out, tk.ID)
		}
		return out
	}(list)
	if len(ids) != 2 || !slices.Contains(ids, created.ID) || !slices.Contains(ids, second.ID) {
		t.Fatalf("list %+v", list)
	}
	if strings.Contains(string(b), created.Credential[len(auth.TokenPrefix)+33:]) || strings.Contains(string(b), "secret") {
		t.Fatalf("the list shows a secret: %s", b)
	}
	res, b = e.do(http.MethodGet, "/v1/tokens", e.assertion(admin), nil)
	if res.StatusCode != http.StatusOK || len(decode[auth.TokenList](t, b).Tokens) != 2 {
		t.Fatalf("admin list over HTTP: %d %s", res.StatusCode, b)
	}

	// Refused: coordinator and analyst (403, audited), nobody (401).
	for _, p := range []access.Principal{coordinator, analyst} {
		for _, c := range []struct {
			subject string
			body    any
		}{
			{auth.TokensCreateSubject, spec},
			{auth.TokensListSubject, nil},
			{auth.TokensRevokeSubject, auth.RevokeRequest{ID: created.ID}},
		} {
			if st, b := e.request(c.subject, &p, c.body); st != http.StatusForbidden || !strings.Contains(string(b), `"forbidden"`) {
				t.Errorf("%s %s over NATS: %d %s", p.Role, c.subject, st, b)
			}
			if st, b := e.request(c.subject, nil, c.body); st != http.StatusUnauthorized {
				t.Errorf("nobody %s over NATS: %d %s", c.subject, st, b)
			}
		}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPost, "/v1/tokens", spec},
			{http.MethodGet, "/v1/tokens", nil},
			{http.MethodDelete, "/v1/tokens/" + created.ID, nil},
		} {
			if res, b := e.do(c.method, c.path, e.assertion(p), c.body); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s %s over HTTP: %d %s", p.Role, c.method, c.path, res.StatusCode, b)
			}
			if res, b := e.do(c.method, c.path, "", c.body); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("nobody %s %s over HTTP: %d %s", c.method, c.path, res.StatusCode, b)
			}
		}
	}
	recs := e.trail(audit.Query{Service: auth.AuditService, Outcome: audit.Denied})
	for _, p := range []access.Principal{coordinator, analyst} {
		for _, op := range []string{auth.OpTokensCreate, auth.OpTokensList, auth.OpTokensRevoke} {
			n := 0
			for _, r := range recs {
				if r.Operation == op && r.Subject == p.Subject && r.Kind == string(access.KindTokens) {
					n++
				}
			}
			if n != 2 { // once over NATS, once over HTTP
				t.Errorf("%s %s: %d refusals in the trail, want 2", p.Role, op, n)
			}
		}
	}
	// The token is still there after the refused revocations.
	if _, err := e.svc.Authenticate(e.ctx, created.Credential); err != nil {
		t.Fatalf("after refused revocations: %v", err)
	}

	// Allowed: revocation by the administrator, over HTTP and NATS.
	res, b = e.do(http.MethodDelete, "/v1/tokens/"+second.ID, e.assertion(admin), nil)
	if res.StatusCode != http.StatusOK || !decode[auth.Revoked](t, b).Revoked {
		t.Fatalf("admin revoke over HTTP: %d %s", res.StatusCode, b)
	}
	if st, b := e.request(auth.TokensRevokeSubject, &admin, auth.RevokeRequest{ID: created.ID}); st != http.StatusOK {
		t.Fatalf("admin revoke over NATS: %d %s", st, b)
	}
	if st, b := e.request(auth.TokensRevokeSubject, &admin, auth.RevokeRequest{ID: created.ID}); st != http.StatusNotFound {
		t.Fatalf("revoking again: %d %s", st, b)
	}
	if st, b := e.request(auth.TokensListSubject, &admin, nil); st != http.StatusOK || len(decode[auth.TokenList](t, b).Tokens) != 0 {
		t.Fatalf("list after revocation: %d %s", st, b)
	}
	allowed := e.trail(audit.Query{Service: auth.AuditService, Outcome: audit.Allowed, Subject: admin.Subject})
	for _, op := range []string{auth.OpTokensCreate, auth.OpTokensList, auth.OpTokensRevoke} {
		if !hasRecord(allowed, op, admin.Subject, audit.Allowed) {
			t.Errorf("no allowed %s in the trail", op)
		}
	}
	if !slices.ContainsFunc(allowed, func(r audit.Record) bool { return r.Operation == auth.OpTokensRevoke && r.Resource == created.ID }) {
		t.Error("the revocation's record does not name the token")
	}
}

// A created token authenticates and is exchanged for an assertion; once
// revoked it no longer authenticates, at once, nor does the assertion it
// was exchanged for at this service.
func TestTokenExchangeAndRevoke(t *testing.T) {
	e := start(t, nil)
	c, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin), auth.TokenSpec{Name: "Koordinator-test", Role: access.Coordinator, Municipality: "3301"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(e.ctx, c.Credential)
	if err != nil {
		t.Fatal(err)
	}
	want := access.Principal{Subject: "token:" + c.ID, Role: access.Coordinator, Municipality: "3301", Via: "token"}
	if p.Subject != want.Subject || p.Role != want.Role || p.Municipality != want.Municipality || p.Via != want.Via {
		t.Fatalf("principal %+v, want %+v", p, want)
	}

	st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: c.Credential})
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %s", st, b)
	}
	x := decode[auth.Exchanged](t, b)
	got, err := e.signer.Verifier().Verify(x.Assertion)
	if err != nil || got.Subject != want.Subject || got.Role != access.Coordinator || x.Principal.Subject != want.Subject {
		t.Fatalf("assertion %+v %v; answer %+v", got, err, x.Principal)
	}
	if d := time.Until(x.ExpiresAt); d <= 0 || d > access.AssertionTTL {
		t.Fatalf("expiresAt %v from now", d)
	}
	if !strings.Contains(string(b), `"expiresAt":"`+x.ExpiresAt.Format(time.RFC3339)+`"`) {
		t.Fatalf("expiresAt is not RFC 3339 in seconds: %s", b)
	}
	// The token as an HTTP bearer (the service is its own authenticator).
	if res, b := e.do(http.MethodGet, "/v1/tokens", c.Credential, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a coordinator's token lists tokens: %d %s", res.StatusCode, b)
	}
	// An assertion is not exchanged for another.
	if st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: x.Assertion}); st != http.StatusUnauthorized || !strings.Contains(string(b), "not exchanged") {
		t.Fatalf("exchanging an assertion: %d %s", st, b)
	}
	if _, err := e.svc.Authenticate(e.ctx, x.Assertion); err != nil {
		t.Fatalf("the assertion before revocation: %v", err)
	}

	if _, err := e.svc.RevokeToken(access.WithPrincipal(e.ctx, admin), auth.RevokeRequest{ID: c.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(e.ctx, c.Credential)
	if !errors.Is(err, auth.ErrCredential) || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("after revocation: %v", err)
	}
	if st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: c.Credential}); st != http.StatusUnauthorized || !strings.Contains(string(b), "revoked") {
		t.Fatalf("exchange after revocation: %d %s", st, b)
	}
	if _, err := e.svc.Authenticate(e.ctx, x.Assertion); err == nil {
		t.Fatal("the assertion of a revoked token still authenticates at the access service")
	}
	if res, b := e.do(http.MethodGet, "/v1/tokens", c.Credential, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked token as bearer: %d %s", res.StatusCode, b)
	}
}

// A token revoked through one instance is refused by another as soon as
// its watch of the bucket delivers the deletion; a token created through
// one authenticates at the other.
func TestRevocationReachesOtherInstances(t *testing.T) {
	e := start(t, nil)
	other, err := auth.New(e.ctx, e.js, auth.Options{Signer: e.signer})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	c, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin), auth.TokenSpec{Name: "Drift", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other instance knows the token", func() bool { _, err := other.Authenticate(e.ctx, c.Credential); return err == nil })
	if _, err := e.svc.RevokeToken(access.WithPrincipal(e.ctx, admin), auth.RevokeRequest{ID: c.ID}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other instance refuses the revoked token", func() bool {
		_, err := other.Authenticate(e.ctx, c.Credential)
		return err != nil && strings.Contains(err.Error(), "revoked")
	})
	// A third instance started now loads the bucket: the token stays revoked.
	third, err := auth.New(e.ctx, e.js, auth.Options{Signer: e.signer})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Stop()
	if _, err := third.Authenticate(e.ctx, c.Credential); err == nil || third.TokenCount() != 0 {
		t.Fatalf("a new instance accepts the revoked token (%d tokens): %v", third.TokenCount(), err)
	}
}

func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExpiredTokenRefused(t *testing.T) {
	e := start(t, nil)
	c, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin),
		auth.TokenSpec{Name: "kortlevd", Role: access.Admin, ExpiresAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(e.ctx, c.Credential); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour + time.Second)
	_, err = e.svc.Authenticate(e.ctx, c.Credential)
	if !errors.Is(err, auth.ErrCredential) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token: %v", err)
	}
	if st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: c.Credential}); st != http.StatusUnauthorized {
		t.Fatalf("exchange of an expired token: %d %s", st, b)
	}
	l, err := e.svc.ListTokens(access.WithPrincipal(e.ctx, admin))
	if err != nil || len(l.Tokens) != 1 || !l.Tokens[0].Expired {
		t.Fatalf("list %+v %v", l, err)
	}
}

// A token with its secret altered, or malformed, is refused, and the
// error never repeats the secret.
func TestTamperedTokenRefused(t *testing.T) {
	e := start(t, nil)
	c, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin), auth.TokenSpec{Name: "x", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	secret := c.Credential[len(auth.TokenPrefix)+33:]
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for name, cred := range map[string]string{
		"secret altered":  flip(c.Credential, len(c.Credential)-5),
		"id altered":      flip(c.Credential, len(auth.TokenPrefix)+3),
		"secret cut":      c.Credential[:len(c.Credential)-1],
		"secret extended": c.Credential + "A",
		"no prefix":       strings.TrimPrefix(c.Credential, auth.TokenPrefix),
		"not base64":      c.Credential[:len(c.Credential)-2] + "!!",
	} {
		_, err := e.svc.Authenticate(e.ctx, cred)
		if !errors.Is(err, auth.ErrCredential) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), secret[:10]) || strings.Contains(err.Error(), cred) {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
	_, err = e.svc.Authenticate(e.ctx, flip(c.Credential, len(c.Credential)-5))
	if !strings.Contains(err.Error(), "secret is wrong") {
		t.Errorf("altered secret: %v", err)
	}
}

// Every field of a token is checked, and a refusal names the field.
func TestTokenValidation(t *testing.T) {
	e := start(t, nil)
	now := e.clock.Now()
	cases := []struct {
		spec        auth.TokenSpec
		field, code string
	}{
		{auth.TokenSpec{Name: "", Role: access.Admin}, "name", "invalid"},
		{auth.TokenSpec{Name: strings.Repeat("x", 101), Role: access.Admin}, "name", "invalid"},
		{auth.TokenSpec{Name: "a\x07b", Role: access.Admin}, "name", "invalid"},
		{auth.TokenSpec{Name: "Kari 15108695088", Role: access.Admin}, "name", "national-id"},
		{auth.TokenSpec{Name: "x", Role: "superuser"}, "role", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Analyst}, "municipality", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Analyst, Municipality: "33"}, "municipality", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Coordinator, Grants: []string{"area.3301.read"}}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Integration}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Integration, Grants: []string{"area..read"}}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Integration, Grants: []string{"audit.read"}}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Integration, Grants: []string{"area.3301.read", ">"}}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Integration, Grants: []string{"*.read"}}, "grants", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Admin, ExpiresAt: now.Add(-time.Minute)}, "expiresAt", "invalid"},
		{auth.TokenSpec{Name: "x", Role: access.Admin, ExpiresAt: now.Add(auth.MaxTokenTTL + time.Hour)}, "expiresAt", "invalid"},
	}
	for _, c := range cases {
		st, b := e.request(auth.TokensCreateSubject, &admin, c.spec)
		got := decode[auth.Error](t, b)
		if st != http.StatusUnprocessableEntity || got.Field != c.field || got.Code != c.code {
			t.Errorf("%+v: %d %s, want 422 %s %s", c.spec, st, b, c.code, c.field)
		}
		if strings.Contains(string(b), "15108695088") {
			t.Errorf("the refusal repeats the national id: %s", b)
		}
	}
	if e.svc.TokenCount() != 0 {
		t.Fatalf("%d tokens stored from invalid specs", e.svc.TokenCount())
	}
	// Malformed JSON and unknown fields: 400.
	res, b := e.do(http.MethodPost, "/v1/tokens", e.assertion(admin), map[string]any{"name": "x", "role": "admin", "secret": "mine"})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown field: %d %s", res.StatusCode, b)
	}
	if st, b := e.request(auth.TokensRevokeSubject, &admin, auth.RevokeRequest{ID: "../x"}); st != http.StatusBadRequest {
		t.Fatalf("bad id: %d %s", st, b)
	}
	// The longest allowed expiry and name are accepted.
	if _, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin), auth.TokenSpec{Name: strings.Repeat("ø", 100), Role: access.Admin, ExpiresAt: now.Add(auth.MaxTokenTTL)}); err != nil {
		t.Fatal(err)
	}
}

// Bootstrap issues an administrator's token without a principal, audited
// as the service itself.
func TestBootstrap(t *testing.T) {
	e := start(t, nil)
	tok, err := e.svc.Bootstrap(context.Background(), auth.TokenSpec{Name: "samspill up", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(e.ctx, tok)
	if err != nil || p.Role != access.Admin {
		t.Fatalf("%+v %v", p, err)
	}
	if res, b := e.do(http.MethodGet, "/v1/tokens", tok, nil); res.StatusCode != http.StatusOK || decode[auth.TokenList](t, b).Tokens[0].CreatedBy != "bootstrap" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	if !hasRecord(e.trail(audit.Query{Service: auth.AuditService}), auth.OpBootstrap, auth.User, audit.Allowed) {
		t.Fatal("the bootstrap is not in the audit trail")
	}
	if _, err := e.svc.Bootstrap(e.ctx, auth.TokenSpec{Name: "x", Role: access.Analyst}); err == nil {
		t.Fatal("an invalid bootstrap spec was accepted")
	}
}

// The public key over NATS and HTTP verifies the service's assertions.
func TestKey(t *testing.T) {
	e := start(t, nil)
	st, b := e.request(auth.KeySubject, nil, nil)
	if st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	key, err := access.ParsePublicKey(b)
	if err != nil || !key.Equal(e.signer.PublicKey()) {
		t.Fatalf("%v", err)
	}
	res, b := e.do(http.MethodGet, "/v1/auth/key", "", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-pem-file" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	key, err = access.ParsePublicKey(b)
	if err != nil || !key.Equal(ed25519.PublicKey(e.signer.PublicKey())) {
		t.Fatal(err)
	}
}

func TestRoutes(t *testing.T) {
	e := start(t, nil)
	want := []string{"DELETE /v1/tokens/{id}", "GET /v1/audit", "GET /v1/audit.csv", "GET /v1/audit.jsonl", "GET /v1/auth/key", "GET /v1/tokens", "POST /v1/tokens"}
	if got := e.svc.Handler().Patterns(); !slices.Equal(got, want) {
		t.Fatalf("%q", got)
	}
	if res, _ := e.do(http.MethodPut, "/v1/tokens", e.assertion(admin), nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /v1/tokens: %d", res.StatusCode)
	}
}

func TestOptions(t *testing.T) {
	e := start(t, nil)
	if _, err := auth.New(e.ctx, e.js, auth.Options{}); err == nil {
		t.Fatal("no signer accepted")
	}
	if _, err := auth.New(e.ctx, e.js, auth.Options{Signer: e.signer, OIDC: &auth.OIDCConfig{Issuer: "https://idp.example"}}); err == nil {
		t.Fatal("OIDC without audience accepted")
	}
	if _, err := auth.New(e.ctx, e.js, auth.Options{Signer: e.signer, OIDC: &auth.OIDCConfig{Issuer: "idp", Audiences: []string{"a"}}}); err == nil {
		t.Fatal("an issuer that is not a URL accepted")
	}
	// Without OIDC, a JWT of another issuer is refused saying so.
	_, err := e.svc.Authenticate(e.ctx, "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2ln")
	if !errors.Is(err, auth.ErrCredential) || !strings.Contains(err.Error(), "no OpenID Connect issuer") {
		t.Fatal(err)
	}
	for _, cred := range []string{"", "Bearer x", "a.b", strings.Repeat("x", 20<<10)} {
		if _, err := e.svc.Authenticate(e.ctx, cred); !errors.Is(err, auth.ErrCredential) {
			t.Errorf("%.20q: %v", cred, err)
		}
	}
}
