package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/services/auth/auth"
)

// issuer is a tiny real OpenID Connect issuer: discovery and JWKS over
// HTTP, tokens signed with its ES256 key.
type issuer struct {
	t         *testing.T
	srv       *httptest.Server
	key       *ecdsa.PrivateKey
	discovery atomic.Int32
	jwks      atomic.Int32
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{t: t, key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		is.discovery.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks",
			"authorization_endpoint": is.srv.URL + "/authorize", "token_endpoint": is.srv.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported":              []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		is.jwks.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// sign makes a token of claims, signed with key (nil: the issuer's).
func (is *issuer) sign(claims map[string]any, key *ecdsa.PrivateKey) string {
	is.t.Helper()
	if key == nil {
		key = is.key
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		is.t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		is.t.Fatal(err)
	}
	return tok
}

// claims are a coordinator's good claims, changed by the pairs in kv (a
// nil value deletes the claim).
func (is *issuer) claims(kv ...any) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": is.srv.URL, "aud": "samspill-web", "sub": "a1b2c3-kari", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"samspill_role": "coordinator", "samspill_municipality": "3301"}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestOIDC(t *testing.T) {
	is := newIssuer(t)
	e := start(t, &auth.OIDCConfig{Issuer: is.srv.URL, Audiences: []string{"samspill-web"}, GrantsClaim: "samspill_grants"})
	if is.discovery.Load() != 1 {
		t.Fatalf("discovery at boot: %d requests", is.discovery.Load())
	}

	p, err := e.svc.Authenticate(e.ctx, is.sign(is.claims(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "a1b2c3-kari" || p.Role != access.Coordinator || p.Municipality != "3301" || p.Via != "oidc" {
		t.Fatalf("%+v", p)
	}
	// Exchanged for an assertion, over NATS.
	st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: is.sign(is.claims(), nil)})
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %s", st, b)
	}
	x := decode[auth.Exchanged](t, b)
	if got, err := e.signer.Verifier().Verify(x.Assertion); err != nil || got.Subject != "a1b2c3-kari" || got.Via != "oidc" {
		t.Fatalf("%+v %v", got, err)
	}
	// An integration's grants, as a list and as one spaced string.
	for _, g := range []any{[]string{"area.3301.read", "bundle.3301.read"}, "area.3301.read bundle.3301.read"} {
		p, err = e.svc.Authenticate(e.ctx, is.sign(is.claims("samspill_role", "integration", "samspill_municipality", nil, "samspill_grants", g, "sub", "ehr-system"), nil))
		if err != nil || p.Role != access.Integration || strings.Join(p.Grants, " ") != "area.3301.read bundle.3301.read" {
			t.Fatalf("%+v %v", p, err)
		}
	}
	// An administrator over HTTP, the OIDC token as bearer.
	if res, b := e.do(http.MethodGet, "/v1/tokens", is.sign(is.claims("samspill_role", "admin", "samspill_municipality", nil), nil), nil); res.StatusCode != http.StatusOK {
		t.Fatalf("admin by OIDC: %d %s", res.StatusCode, b)
	}

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	for _, c := range []struct {
		name  string
		token string
		says  string
	}{
		{"wrong audience", is.sign(is.claims("aud", "another-client"), nil), "audience"},
		{"wrong issuer", is.sign(is.claims("iss", "https://idp.example"), nil), "different provider"},
		{"expired", is.sign(is.claims("exp", past.Unix(), "iat", past.Add(-time.Hour).Unix()), nil), "expired"},
		{"unknown role", is.sign(is.claims("samspill_role", "superuser"), nil), "superuser"},
		{"no role", is.sign(is.claims("samspill_role", nil), nil), "no samspill_role claim"},
		{"national id as sub", is.sign(is.claims("sub", "15108695088"), nil), "national identity number"},
		{"token subject", is.sign(is.claims("sub", "token:0123"), nil), "kept for API tokens"},
		{"analyst without municipality", is.sign(is.claims("samspill_role", "analyst", "samspill_municipality", nil), nil), "municipality"},
		{"municipality not a string", is.sign(is.claims("samspill_municipality", 3301), nil), "not a string"},
		{"grants to a coordinator", is.sign(is.claims("samspill_grants", []string{"area.3301.read"}), nil), "grants"},
		{"integration granted the audit trail", is.sign(is.claims("samspill_role", "integration", "samspill_municipality", nil, "samspill_grants", "area.3301.read tokens.*"), nil), "only an administrator reads"},
		{"signed by another key", is.sign(is.claims(), other), "signature"},
	} {
		_, err := e.svc.Authenticate(e.ctx, c.token)
		if !errors.Is(err, auth.ErrCredential) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v (want it to say %q)", c.name, err, c.says)
		}
		if err != nil && strings.Contains(err.Error(), "15108695088") {
			t.Errorf("%s: the error repeats the national id: %v", c.name, err)
		}
		if st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: c.token}); st != http.StatusUnauthorized {
			t.Errorf("%s: exchange %d %s", c.name, st, b)
		}
	}
}

// With the JWKS URL given there is no discovery round trip; several
// audiences are each accepted.
func TestOIDCWithJWKSURL(t *testing.T) {
	is := newIssuer(t)
	e := start(t, &auth.OIDCConfig{Issuer: is.srv.URL, JWKSURL: is.srv.URL + "/jwks", Audiences: []string{"samspill-web", "samspill-cli"},
		RoleClaim: "role", MunicipalityClaim: "kommune"})
	for _, aud := range []any{"samspill-cli", []string{"x", "samspill-web"}} {
		p, err := e.svc.Authenticate(e.ctx, is.sign(is.claims("aud", aud, "role", "analyst", "kommune", "1804", "samspill_role", nil), nil))
		if err != nil || p.Role != access.Analyst || p.Municipality != "1804" {
			t.Fatalf("aud %v: %+v %v", aud, p, err)
		}
	}
	if _, err := e.svc.Authenticate(e.ctx, is.sign(is.claims("aud", "x", "role", "admin"), nil)); err == nil || !strings.Contains(err.Error(), "not to one of") {
		t.Fatalf("wrong audience: %v", err)
	}
	if is.discovery.Load() != 0 || is.jwks.Load() == 0 {
		t.Fatalf("discovery %d, jwks %d requests", is.discovery.Load(), is.jwks.Load())
	}
}

// An issuer that cannot be reached at boot does not stop the service; its
// tokens are refused saying why, and API tokens keep working.
func TestOIDCIssuerDown(t *testing.T) {
	is := newIssuer(t)
	url := is.srv.URL
	is.srv.Close()
	e := start(t, &auth.OIDCConfig{Issuer: url, Audiences: []string{"samspill-web"}})
	_, err := e.svc.Authenticate(e.ctx, is.sign(is.claims(), nil))
	if !errors.Is(err, auth.ErrCredential) || !strings.Contains(err.Error(), "discovery") {
		t.Fatalf("%v", err)
	}
	// API tokens still work.
	c, err := e.svc.CreateToken(access.WithPrincipal(e.ctx, admin), auth.TokenSpec{Name: "x", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(e.ctx, c.Credential); err != nil {
		t.Fatal(err)
	}
}
