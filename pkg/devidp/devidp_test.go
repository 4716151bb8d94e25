package devidp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/samspill/samspill/pkg/access"
)

// clock is a settable clock shared by the provider and the verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// idp is a provider served over real HTTP, and a relying party's view of
// it through go-oidc and oauth2: the libraries the web application uses.
type idp struct {
	t        *testing.T
	p        *Provider
	srv      *httptest.Server
	clock    *clock
	rp       *oidc.Provider
	oauth    oauth2.Config
	redirect string
	browser  *http.Client
}

const webClient = "samspill-web"

var users = []User{
	{Subject: "dev:kari", Name: "Kari Nordmann", Role: access.Coordinator, Municipality: "3301"},
	{Subject: "dev:arne", Name: "Arne Analytiker", Role: access.Analyst, Municipality: "3301"},
	{Subject: "dev:ada", Name: "Ada Admin", Role: access.Admin},
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	c := &clock{t: time.Now()}
	redirect := base + "/app/callback"
	p, err := New(Config{Issuer: base + "/idp/", Users: users, Now: c.Now, Clients: []Client{
		{ID: webClient, RedirectURIs: []string{redirect}},
		{ID: "other", RedirectURIs: []string{base + "/other/callback"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Routes()
	srv.Start()
	t.Cleanup(srv.Close)
	if p.Issuer() != base+"/idp" {
		t.Fatalf("issuer %q keeps its trailing slash", p.Issuer())
	}
	rp, err := oidc.NewProvider(context.Background(), p.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ep := rp.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &idp{t: t, p: p, srv: srv, clock: c, rp: rp, redirect: redirect,
		oauth:   oauth2.Config{ClientID: webClient, Endpoint: ep, RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "profile"}},
		browser: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// authorize opens the sign-in page at authURL and returns the page and
// the request id its form carries.
func (i *idp) authorize(authURL string) (string, string) {
	i.t.Helper()
	resp, err := i.browser.Get(authURL)
	if err != nil {
		i.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		i.t.Fatalf("sign-in page: %d %s", resp.StatusCode, b)
	}
	m := requestField.FindStringSubmatch(string(b))
	if m == nil {
		i.t.Fatalf("no request id on the page: %s", b)
	}
	return string(b), m[1]
}

// choose posts the sign-in page's form and returns where the browser is
// sent.
func (i *idp) choose(form url.Values) (*http.Response, *url.URL) {
	i.t.Helper()
	resp, err := i.browser.PostForm(i.p.Issuer()+"/authorize", form)
	if err != nil {
		i.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return resp, loc
}

// codeFor runs the browser's half of a sign-in as subject and returns the
// code and the PKCE verifier.
func (i *idp) codeFor(subject, state, nonce string) (code, verifier string) {
	i.t.Helper()
	verifier = oauth2.GenerateVerifier()
	_, req := i.authorize(i.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	resp, loc := i.choose(url.Values{"request": {req}, "sub": {subject}})
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" || loc.Query().Get("state") != state {
		i.t.Fatalf("choosing %s: %d %s", subject, resp.StatusCode, loc)
	}
	return loc.Query().Get("code"), verifier
}

func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func TestCodeFlowWithPKCEVerifiedByGoOIDC(t *testing.T) {
	i := startIDP(t)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	authURL := i.oauth.AuthCodeURL("state-1", oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier))
	page, req := i.authorize(authURL)
	for _, want := range []string{`<html lang="en">`, "<h1>Development sign-in</h1>", "not for production", "<strong>samspill-web</strong>",
		`<button type="submit" name="sub" value="dev:kari" data-subject="dev:kari"><span class="name">Kari Nordmann</span><span class="meta">Coordinator · municipality 3301</span></button>`,
		`<span class="name">Arne Analytiker</span><span class="meta">Analyst · municipality 3301</span>`,
		`<span class="name">Ada Admin</span><span class="meta">Administrator</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}
	resp, loc := i.choose(url.Values{"request": {req}, "sub": {"dev:arne"}})
	if resp.StatusCode != http.StatusSeeOther || loc.Scheme+"://"+loc.Host+loc.Path != i.redirect ||
		loc.Query().Get("state") != "state-1" || loc.Query().Get("iss") != i.p.Issuer() {
		t.Fatalf("back to the client: %d %s", resp.StatusCode, loc)
	}
	tok, err := i.oauth.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
		t.Errorf("token type %q, expiry %v", tok.TokenType, tok.Expiry)
	}
	raw, _ := tok.Extra("id_token").(string)
	v := i.rp.Verifier(&oidc.Config{ClientID: webClient, Now: i.clock.Now})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("go-oidc refuses the ID token: %v", err)
	}
	var claims Claims
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "dev:arne" || idt.Nonce != "nonce-1" || idt.Issuer != i.p.Issuer() || claims.Name != "Arne Analytiker" ||
		claims.Role != access.Analyst || claims.Municipality != "3301" || claims.AZP != webClient ||
		!idt.Expiry.Equal(i.clock.Now().Add(DefaultTokenTTL).Truncate(time.Second)) {
		t.Errorf("ID token: %+v %+v", idt, claims)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	// The access token is a JWT for the same client, and the userinfo
	// endpoint answers its claims.
	if _, err := v.Verify(ctx, tok.AccessToken); err != nil {
		t.Errorf("access token: %v", err)
	}
	info, err := i.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var ic map[string]any
	_ = info.Claims(&ic)
	if info.Subject != "dev:arne" || ic[ClaimRole] != "analyst" || ic[ClaimMunicipality] != "3301" || ic["name"] != "Arne Analytiker" {
		t.Errorf("userinfo: %v", ic)
	}
	// An ID token is not an access token.
	r, _ := http.NewRequest("GET", i.p.Issuer()+"/userinfo", nil)
	r.Header.Set("Authorization", "Bearer "+raw)
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("userinfo with an ID token: %v %v", resp, err)
	}

	// The code is spent.
	if _, err := i.oauth.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier)); oauthError(err) != "invalid_grant" {
		t.Errorf("a reused code: %v", err)
	}
	// The tokens expire with the clock.
	i.clock.Add(DefaultTokenTTL + time.Second)
	var expired *oidc.TokenExpiredError
	if _, err := v.Verify(ctx, raw); !errors.As(err, &expired) {
		t.Errorf("an ID token after its time: %v", err)
	}
	if _, err := i.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo answers an expired access token")
	}
	// Keys are published for the verifier.
	resp2, err := http.Get(i.p.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var set struct {
		Keys []struct{ Kty, Alg, Use, Kid, D string }
	}
	if err := json.NewDecoder(resp2.Body).Decode(&set); err != nil || len(set.Keys) != 1 || set.Keys[0].Alg != "ES256" ||
		set.Keys[0].Use != "sig" || set.Keys[0].Kid == "" || set.Keys[0].D != "" {
		t.Errorf("JWKS: %+v %v", set, err)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	i := startIDP(t)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	good := url.Values{"response_type": {"code"}, "client_id": {webClient}, "redirect_uri": {i.redirect}, "scope": {"openid"},
		"state": {"st"}, "nonce": {"n"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	get := func(q url.Values) (*http.Response, string) {
		resp, err := i.browser.Get(i.p.Issuer() + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// An unknown client or a redirect URI not registered: an error page,
	// never a redirect.
	for name, q := range map[string]url.Values{
		"unknown client":      with("client_id", "intruder"),
		"no client":           with("client_id", ""),
		"foreign redirect":    with("redirect_uri", "https://evil.example/cb"),
		"redirect with extra": with("redirect_uri", i.redirect+"?x=1"),
		"another's redirect":  with("client_id", "other"),
	} {
		resp, body := get(q)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Anything else goes back to the client with the OAuth error.
	for name, c := range map[string]struct {
		q    url.Values
		code string
	}{
		"no PKCE":          {with("code_challenge", ""), "invalid_request"},
		"plain PKCE":       {with("code_challenge_method", "plain"), "invalid_request"},
		"bad challenge":    {with("code_challenge", "short"), "invalid_request"},
		"implicit flow":    {with("response_type", "id_token"), "unsupported_response_type"},
		"not openid":       {with("scope", "profile"), "invalid_scope"},
		"silent sign-in":   {with("prompt", "none"), "login_required"},
		"a request object": {with("request", "eyJ"), "request_not_supported"},
	} {
		resp, _ := get(c.q)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != c.code || loc.Query().Get("state") != "st" ||
			!strings.HasPrefix(loc.String(), i.redirect+"?") {
			t.Errorf("%s: %d %s, want error %s", name, resp.StatusCode, loc, c.code)
		}
	}
	// Cancel: access_denied. The request is answered once.
	_, req := i.authorize(i.p.Issuer() + "/authorize?" + good.Encode())
	resp, loc := i.choose(url.Values{"request": {req}, "cancel": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st" {
		t.Errorf("cancel: %d %s", resp.StatusCode, loc)
	}
	if resp, _ := i.choose(url.Values{"request": {req}, "sub": {"dev:kari"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a request answered twice: %d", resp.StatusCode)
	}
	if resp, _ := i.choose(url.Values{"request": {"made-up"}, "sub": {"dev:kari"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown request: %d", resp.StatusCode)
	}
	// An unknown user is not signed in.
	_, req = i.authorize(i.p.Issuer() + "/authorize?" + good.Encode())
	if _, loc := i.choose(url.Values{"request": {req}, "sub": {"dev:nobody"}}); loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
		t.Errorf("an unknown user: %s", loc)
	}
	// A page left open too long.
	_, req = i.authorize(i.p.Issuer() + "/authorize?" + good.Encode())
	i.clock.Add(RequestTTL)
	if resp, _ := i.choose(url.Values{"request": {req}, "sub": {"dev:kari"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an expired request: %d", resp.StatusCode)
	}
}

func TestTokenRefusals(t *testing.T) {
	i := startIDP(t)
	ctx := context.Background()
	post := func(form url.Values) (int, map[string]string) {
		t.Helper()
		resp, err := http.PostForm(i.p.Issuer()+"/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token answer without Cache-Control: no-store")
		}
		return resp.StatusCode, body
	}
	form := func(code, verifier string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {i.redirect}, "client_id": {webClient}}
	}

	// A wrong verifier spends the code: the right one cannot follow.
	code, verifier := i.codeFor("dev:kari", "s", "n")
	if _, err := i.oauth.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthError(err) != "invalid_grant" {
		t.Errorf("wrong verifier: %v", err)
	}
	if _, err := i.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier)); oauthError(err) != "invalid_grant" {
		t.Errorf("the right verifier after a wrong one: %v", err)
	}
	// No verifier at all.
	code, _ = i.codeFor("dev:kari", "s", "n")
	if _, err := i.oauth.Exchange(ctx, code); oauthError(err) != "invalid_grant" {
		t.Errorf("no verifier: %v", err)
	}
	for name, c := range map[string]struct {
		change func(url.Values)
		status int
		code   string
	}{
		"another redirect URI": {func(f url.Values) { f.Set("redirect_uri", i.redirect+"x") }, 400, "invalid_grant"},
		"unknown client":       {func(f url.Values) { f.Set("client_id", "intruder") }, 401, "invalid_client"},
		"another client":       {func(f url.Values) { f.Set("client_id", "other"); f.Set("redirect_uri", i.srv.URL+"/other/callback") }, 400, "invalid_grant"},
		"a client secret":      {func(f url.Values) { f.Set("client_secret", "guess") }, 401, "invalid_client"},
		"another grant type":   {func(f url.Values) { f.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
		"a made-up code":       {func(f url.Values) { f.Set("code", "made-up") }, 400, "invalid_grant"},
	} {
		code, verifier := i.codeFor("dev:kari", "s", "n")
		f := form(code, verifier)
		c.change(f)
		if status, body := post(f); status != c.status || body["error"] != c.code || body["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s", name, status, body, c.status, c.code)
		}
	}
	// A code lives 60 seconds.
	code, verifier = i.codeFor("dev:kari", "s", "n")
	i.clock.Add(CodeTTL)
	if status, body := post(form(code, verifier)); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("an expired code: %d %v", status, body)
	}
	// The same form within its time works (the table above is not
	// refusing everything).
	code, verifier = i.codeFor("dev:kari", "s", "n")
	if status, body := post(form(code, verifier)); status != 200 || body["token_type"] != "Bearer" || body["id_token"] == "" {
		t.Errorf("a good exchange: %d %v", status, body)
	}
}

func TestToken(t *testing.T) {
	i := startIDP(t)
	tok, err := i.p.Token("dev:ada", "samspill-cli")
	if err != nil {
		t.Fatal(err)
	}
	c, err := i.p.verifyAccessToken(tok)
	if err != nil || c.Subject != "dev:ada" || c.Role != access.Admin || len(c.Audience) != 1 || c.Audience[0] != "samspill-cli" {
		t.Errorf("minted token: %+v %v", c, err)
	}
	// go-oidc verifies it against the published keys for that audience,
	// and not for another.
	v := i.rp.Verifier(&oidc.Config{ClientID: "samspill-cli", Now: i.clock.Now})
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Errorf("go-oidc: %v", err)
	}
	if _, err := i.rp.Verifier(&oidc.Config{ClientID: webClient}).Verify(context.Background(), tok); err == nil {
		t.Error("a token for samspill-cli verifies for samspill-web")
	}
	if _, err := i.p.Token("dev:nobody", "samspill-cli"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestNewRefusesUnsafeConfiguration(t *testing.T) {
	ok := Config{Issuer: "http://127.0.0.1:8080/idp", Users: users, Clients: []Client{{ID: "web", RedirectURIs: []string{"http://127.0.0.1:8080/app/callback"}}}}
	for _, issuer := range []string{"http://127.0.0.1:8080/idp", "http://localhost:8080", "http://[::1]:9000/x/idp/", "https://127.0.0.2/idp"} {
		c := ok
		c.Issuer = issuer
		if _, err := New(c); err != nil {
			t.Errorf("issuer %s: %v", issuer, err)
		}
	}
	for name, change := range map[string]func(*Config){
		"a public host":       func(c *Config) { c.Issuer = "https://idp.example.no/idp" },
		"any address":         func(c *Config) { c.Issuer = "http://0.0.0.0:8080/idp" },
		"a LAN address":       func(c *Config) { c.Issuer = "http://192.168.1.10:8080/idp" },
		"a relative issuer":   func(c *Config) { c.Issuer = "/idp" },
		"a query":             func(c *Config) { c.Issuer = "http://127.0.0.1/idp?x=1" },
		"a pattern in path":   func(c *Config) { c.Issuer = "http://127.0.0.1/{idp}" },
		"another scheme":      func(c *Config) { c.Issuer = "ftp://127.0.0.1/idp" },
		"no clients":          func(c *Config) { c.Clients = nil },
		"no redirect":         func(c *Config) { c.Clients = []Client{{ID: "web"}} },
		"relative redirect":   func(c *Config) { c.Clients = []Client{{ID: "web", RedirectURIs: []string{"/app/callback"}}} },
		"no users":            func(c *Config) { c.Users = nil },
		"an analyst anywhere": func(c *Config) { c.Users = []User{{Subject: "a", Name: "A", Role: access.Analyst}} },
		"an unknown role":     func(c *Config) { c.Users = []User{{Subject: "a", Name: "A", Role: "root"}} },
		"a nameless user":     func(c *Config) { c.Users = []User{{Subject: "a", Role: access.Admin}} },
		"a national id":       func(c *Config) { c.Users = []User{{Subject: "15108695088", Name: "A", Role: access.Admin}} },
		"a subject twice":     func(c *Config) { c.Users = append(append([]User{}, users...), users[0]) },
	} {
		c := ok
		change(&c)
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := ok
	c.Issuer, c.AllowNonLoopback = "https://idp.test.example/idp", true
	if _, err := New(c); err != nil {
		t.Errorf("AllowNonLoopback: %v", err)
	}
}
