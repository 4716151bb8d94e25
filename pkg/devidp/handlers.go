package devidp

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/samspill/samspill/pkg/query"
)

// Routes returns the provider's routes, under the issuer's path.
func (p *Provider) Routes() *query.Routes {
	rt := query.NewRoutes()
	rt.HandleFunc("GET "+p.prefix+"/.well-known/openid-configuration", p.discovery)
	rt.HandleFunc("GET "+p.prefix+"/jwks", p.jwks)
	rt.HandleFunc("GET "+p.prefix+"/authorize", p.authorizePage)
	rt.HandleFunc("POST "+p.prefix+"/authorize", p.authorizeChoice)
	rt.HandleFunc("POST "+p.prefix+"/token", p.token)
	rt.HandleFunc("GET "+p.prefix+"/userinfo", p.userinfo)
	return rt
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + "/authorize",
		"token_endpoint":                        p.issuer + "/token",
		"userinfo_endpoint":                     p.issuer + "/userinfo",
		"jwks_uri":                              p.JWKSURL(),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(jose.ES256)},
		"scopes_supported":                      []string{"openid", "profile"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp",
			"name", ClaimRole, ClaimMunicipality},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: p.keyID, Algorithm: string(jose.ES256), Use: "sig"}}}
	writeJSON(w, http.StatusOK, set)
}

// authorizePage checks an authorization request and shows the users to
// choose from. A request with an unknown client or a redirect URI that is
// not the client's gets an error page: the browser is never sent to an
// address the provider cannot vouch for (RFC 6749 §4.1.2.1). Any other
// fault goes back to the client as an OAuth error.
func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	client, ok := p.clients[qs.Get("client_id")]
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "The application asking for a sign-in (client_id "+strconv.Quote(qs.Get("client_id"))+") is not known to this provider.")
		return
	}
	redirectURI := qs.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		p.errorPage(w, http.StatusBadRequest, "The redirect_uri "+strconv.Quote(redirectURI)+" is not one registered for "+client.ID+".")
		return
	}
	state := qs.Get("state")
	fail := func(code, desc string) { redirectError(w, r, redirectURI, state, code, desc) }
	switch {
	case qs.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	case !slices.Contains(strings.Fields(qs.Get("scope")), "openid"):
		fail("invalid_scope", "the scope must include openid")
		return
	case qs.Get("code_challenge") == "" || qs.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
		return
	case !challengePattern.MatchString(qs.Get("code_challenge")):
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
		return
	case qs.Get("request") != "" || qs.Get("request_uri") != "":
		fail("request_not_supported", "request objects are not supported")
		return
	case slices.Contains(strings.Fields(qs.Get("prompt")), "none"):
		// There is no session at this provider to sign in silently with.
		fail("login_required", "the development provider always asks who you are")
		return
	}
	now := p.now()
	id := random(24)
	p.mu.Lock()
	if len(p.requests) >= maxPending {
		p.sweep(now)
	}
	full := len(p.requests) >= maxPending
	if !full {
		p.requests[id] = authRequest{client: client.ID, redirectURI: redirectURI, state: state, nonce: qs.Get("nonce"),
			challenge: qs.Get("code_challenge"), scope: qs.Get("scope"), expires: now.Add(RequestTTL)}
	}
	p.mu.Unlock()
	if full {
		p.errorPage(w, http.StatusServiceUnavailable, "Too many sign-ins are waiting; try again in a few minutes.")
		return
	}
	p.render(w, http.StatusOK, pageData{Request: id, Client: client.ID, Users: p.users})
}

// authorizeChoice takes the user chosen on the page (or the cancel) and
// sends the browser back to the client with a code or an error.
func (p *Provider) authorizeChoice(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	now := p.now()
	id := r.PostForm.Get("request")
	p.mu.Lock()
	req, ok := p.requests[id]
	delete(p.requests, id) // one answer per request
	p.mu.Unlock()
	if !ok || !now.Before(req.expires) {
		p.errorPage(w, http.StatusBadRequest, "This sign-in has expired or was already answered. Go back to the application and sign in again.")
		return
	}
	if r.PostForm.Get("cancel") != "" {
		redirectError(w, r, req.redirectURI, req.state, "access_denied", "the sign-in was cancelled")
		return
	}
	u, ok := p.user(r.PostForm.Get("sub"))
	if !ok {
		redirectError(w, r, req.redirectURI, req.state, "access_denied", "no such user")
		return
	}
	code := random(32)
	p.mu.Lock()
	if len(p.codes) >= maxPending {
		p.sweep(now)
	}
	full := len(p.codes) >= maxPending
	if !full {
		p.codes[code] = grant{client: req.client, redirectURI: req.redirectURI, nonce: req.nonce, challenge: req.challenge,
			scope: req.scope, subject: u.Subject, authTime: now, expires: now.Add(CodeTTL)}
	}
	p.mu.Unlock()
	if full {
		redirectError(w, r, req.redirectURI, req.state, "temporarily_unavailable", "too many codes outstanding")
		return
	}
	redirect(w, r, req.redirectURI, url.Values{"code": {code}, "state": {req.state}, "iss": {p.issuer}})
}

// redirect sends the browser to uri with params added to its query.
func redirect(w http.ResponseWriter, r *http.Request, uri string, params url.Values) {
	u, err := url.Parse(uri)
	if err != nil { // registered URIs were parsed in New
		http.Error(w, "bad redirect URI", http.StatusInternalServerError)
		return
	}
	qs := u.Query()
	for k, vs := range params {
		if len(vs) == 1 && vs[0] == "" && k == "state" {
			continue
		}
		qs[k] = vs
	}
	u.RawQuery = qs.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func redirectError(w http.ResponseWriter, r *http.Request, uri, state, code, desc string) {
	redirect(w, r, uri, url.Values{"error": {code}, "error_description": {desc}, "state": {state}})
}

// tokenError answers the token endpoint's error (RFC 6749 §5.2).
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token exchanges a code, with its PKCE verifier, for tokens.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if user, secret, ok := r.BasicAuth(); ok {
		// oauth2 clients send the id (and an empty secret) this way too.
		id, err := url.QueryUnescape(user)
		if err != nil || (clientID != "" && clientID != id) {
			tokenError(w, http.StatusBadRequest, "invalid_request", "two different client ids")
			return
		}
		if secret != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="devidp"`)
			tokenError(w, http.StatusUnauthorized, "invalid_client", "clients of the development provider are public: no secret")
			return
		}
		clientID = id
	}
	if f.Get("client_secret") != "" {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "clients of the development provider are public: no secret")
		return
	}
	client, ok := p.clients[clientID]
	if !ok {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	if gt := f.Get("grant_type"); gt != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q: only authorization_code", gt))
		return
	}
	code := f.Get("code")
	if code == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "no code")
		return
	}
	now := p.now()
	// The code is spent by this attempt, whatever its outcome: a code
	// sent with the wrong verifier or redirect URI cannot be tried again.
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code)
	p.mu.Unlock()
	switch {
	case !ok || !now.Before(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, expired or already used")
		return
	case g.client != client.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case f.Get("redirect_uri") != g.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case !verifierPattern.MatchString(f.Get("code_verifier")):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier missing or malformed (43–128 unreserved characters)")
		return
	case subtle.ConstantTimeCompare([]byte(s256(f.Get("code_verifier"))), []byte(g.challenge)) != 1:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	u, ok := p.user(g.subject)
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the user is gone")
		return
	}
	at, exp, err := p.accessToken(u, client.ID, g.scope)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "the tokens could not be signed")
		return
	}
	id, err := p.idToken(u, g, at)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "the tokens could not be signed")
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int64(exp.Sub(now) / time.Second),
		"id_token":     id,
		"scope":        g.scope,
	})
}

// userinfo answers the claims of the bearer access token (OpenID Connect
// Core §5.3).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "Authorization: Bearer <access token>"})
		return
	}
	c, err := p.verifyAccessToken(strings.TrimSpace(tok))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": err.Error()})
		return
	}
	info := map[string]any{"sub": c.Subject, "name": c.Name, ClaimRole: c.Role}
	if c.Municipality != "" {
		info[ClaimMunicipality] = c.Municipality
	}
	writeJSON(w, http.StatusOK, info)
}
