package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/services/web/session"
)

// This file is the sign-in: the web application is an OpenID Connect
// relying party (authorization code flow with PKCE, state and nonce, via
// github.com/coreos/go-oidc and golang.org/x/oauth2). The ID token is then
// exchanged over NATS (samspill.auth.exchange) for a Samspill assertion,
// which the session keeps and renews; the pages read only the session.

// OIDC configures the sign-in with an OpenID Connect provider.
type OIDC struct {
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID is this application's client id at the provider.
	ClientID string
	// ClientSecret is the client's secret, if the provider gave it one
	// (empty: a public client, PKCE only).
	ClientSecret string
	// RedirectURL is this application's callback as the browser reaches
	// it, e.g. https://samspill.example/app/callback. When it is https,
	// the cookies are Secure even if TLS ends at a proxy in front.
	RedirectURL string
	// JWKSURL, when set, is where the ID tokens' keys are read instead of
	// the discovery document's jwks_uri.
	JWKSURL string
	// HTTPClient makes the requests to the provider (default
	// http.DefaultClient).
	HTTPClient *http.Client
}

func (o OIDC) validate() error {
	var missing []string
	if o.Issuer == "" {
		missing = append(missing, "Issuer")
	}
	if o.ClientID == "" {
		missing = append(missing, "ClientID")
	}
	if o.RedirectURL == "" {
		missing = append(missing, "RedirectURL")
	}
	if len(missing) > 0 {
		return fmt.Errorf("web: Options.OIDC: %s required (the OpenID Connect provider users sign in with)", strings.Join(missing, ", "))
	}
	u, err := url.Parse(o.RedirectURL)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Path != "/app/callback" {
		return fmt.Errorf("web: Options.OIDC.RedirectURL %q: want the absolute URL of /app/callback", o.RedirectURL)
	}
	return nil
}

// relyingParty is the provider as discovered, made at the first sign-in.
type relyingParty struct {
	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// clientContext returns ctx with the HTTP client for the provider.
func (s *Server) clientContext(ctx context.Context) context.Context {
	if s.oidc.HTTPClient == nil {
		return ctx
	}
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, s.oidc.HTTPClient), s.oidc.HTTPClient)
}

// provider returns the OAuth 2 configuration and the ID token verifier,
// reading the discovery document the first time (a failure is tried again
// at the next sign-in).
func (s *Server) provider(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	rp := &s.rp
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.oauth != nil {
		return rp.oauth, rp.verifier, nil
	}
	// The provider keeps the context for its key set's requests.
	pctx := s.clientContext(context.WithoutCancel(ctx))
	dctx, cancel := context.WithTimeout(pctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, s.oidc.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("web: OpenID Connect discovery at %s: %w", s.oidc.Issuer, err)
	}
	cfg := &oidc.Config{ClientID: s.oidc.ClientID, Now: s.now}
	verifier := p.VerifierContext(pctx, cfg)
	if s.oidc.JWKSURL != "" {
		var meta struct {
			Algs []string `json:"id_token_signing_alg_values_supported"`
		}
		if err := p.Claims(&meta); err != nil {
			return nil, nil, fmt.Errorf("web: OpenID Connect discovery: %w", err)
		}
		cfg.SupportedSigningAlgs = meta.Algs
		verifier = oidc.NewVerifier(s.oidc.Issuer, oidc.NewRemoteKeySet(pctx, s.oidc.JWKSURL), cfg)
	}
	ep := p.Endpoint()
	if s.oidc.ClientSecret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams // a public client: its id in the form, no secret
	}
	rp.oauth = &oauth2.Config{ClientID: s.oidc.ClientID, ClientSecret: s.oidc.ClientSecret, Endpoint: ep,
		RedirectURL: s.oidc.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "profile"}}
	rp.verifier = verifier
	return rp.oauth, rp.verifier, nil
}

// cookieSecure says whether cookies set in answer to r are Secure.
func (s *Server) cookieSecure(r *http.Request) bool { return s.secure || r.TLS != nil }

func (s *Server) clearSession(q *req) {
	session.ClearCookie(q.w, session.CookieName, "/app/", s.cookieSecure(q.r))
}

// signinPage is the signed-out page: why the last session ended, if it
// did, and the button to sign in.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := &req{w: w, r: r, lang: s.language(r)}
	if _, err := s.sessions.Read(r); err == nil {
		http.Redirect(w, r, "/app/", http.StatusSeeOther)
		return
	}
	qs := r.URL.Query()
	msg := ""
	for _, k := range []string{"expired", "idle", "out", "cancelled", "failed", "state", "refused", "unavailable"} {
		if qs.Get(k) != "" {
			msg = "signin." + k
			break
		}
	}
	login := "/app/login"
	if next := safeBack(qs.Get("next")); next != "/app/" {
		login += "?next=" + url.QueryEscape(next)
	}
	status := http.StatusOK
	if msg == "signin.unavailable" {
		status = http.StatusServiceUnavailable
	}
	v := s.newView(q, s.cat.text(q.lang, "signin.title"), map[string]any{"Message": msg, "Login": login})
	s.render(q, status, "signin", v)
}

// login starts a sign-in at the provider: a new state, nonce and PKCE
// verifier, kept on the server for the browser's login cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	next := safeBack(r.URL.Query().Get("next"))
	if _, err := s.sessions.Read(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	cfg, _, err := s.provider(r.Context())
	if err != nil {
		s.log.Error("sign-in unavailable", "err", err)
		http.Redirect(w, r, "/app/signin?unavailable=1", http.StatusSeeOther)
		return
	}
	verifier := oauth2.GenerateVerifier()
	l, err := s.logins.Begin(next, verifier)
	if err != nil {
		s.log.Error("sign-in", "err", err)
		http.Redirect(w, r, "/app/signin?unavailable=1", http.StatusSeeOther)
		return
	}
	session.SetCookie(w, session.LoginCookieName, l.ID, "/app/callback", l.Expires, s.cookieSecure(r))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, cfg.AuthCodeURL(l.State, oidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// callback finishes a sign-in: the state must be this browser's, the code
// is exchanged (with the PKCE verifier), the ID token verified (issuer,
// audience, expiry, signature, nonce) and exchanged for an assertion; then
// a new session starts.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := &req{w: w, r: r, lang: s.language(r)}
	qs := r.URL.Query()
	cookie, _ := r.Cookie(session.LoginCookieName)
	session.ClearCookie(w, session.LoginCookieName, "/app/callback", s.cookieSecure(r))
	fail := func(reason string) { http.Redirect(w, r, "/app/signin?"+reason+"=1", http.StatusSeeOther) }
	id := ""
	if cookie != nil {
		id = cookie.Value
	}
	l, err := s.logins.Finish(id, qs.Get("state"))
	if err != nil {
		s.log.Warn("sign-in callback without a matching sign-in", "cookie", cookie != nil)
		fail("state")
		return
	}
	if e := qs.Get("error"); e != "" {
		s.log.Info("sign-in not completed at the provider", "error", e)
		if e == "access_denied" {
			fail("cancelled")
		} else {
			fail("failed")
		}
		return
	}
	ctx := s.clientContext(r.Context())
	cfg, verifier, err := s.provider(ctx)
	if err != nil {
		s.log.Error("sign-in unavailable", "err", err)
		fail("unavailable")
		return
	}
	tok, err := cfg.Exchange(ctx, qs.Get("code"), oauth2.VerifierOption(l.Verifier))
	if err != nil {
		s.log.Warn("code exchange refused", "err", err)
		fail("failed")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err == nil && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		err = errors.New("the ID token's nonce is not the sign-in's")
	}
	if err != nil {
		s.log.Warn("ID token refused", "err", err)
		fail("failed")
		return
	}
	var claims struct {
		Name string `json:"name"`
	}
	_ = idt.Claims(&claims)
	ex, err := s.client.exchange(r.Context(), raw)
	if err != nil {
		var se *serviceError
		if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
			s.log.Warn("exchange refused", "status", se.Status, "code", se.Code)
			fail("refused")
			return
		}
		s.log.Error("exchange failed", "err", err)
		fail("unavailable")
		return
	}
	if r := ex.Principal.Role; r != access.Coordinator && r != access.Analyst && r != access.Admin {
		s.log.Warn("sign-in of a role the web application does not serve", "role", r)
		fail("refused")
		return
	}
	// A new session id at every sign-in; any session the browser had ends.
	if old, err := r.Cookie(session.CookieName); err == nil {
		s.sessions.End(old.Value)
	}
	name := strings.TrimSpace(claims.Name)
	if name == "" {
		name = ex.Principal.Subject
	}
	sess, err := s.sessions.Start(session.Session{Principal: ex.Principal, Name: name, IDToken: raw,
		Assertion: ex.Assertion, AssertionExpires: ex.ExpiresAt}, idt.Expiry)
	if err != nil {
		s.log.Error("start session", "err", err)
		s.errorPage(q, http.StatusServiceUnavailable, "state.failed")
		return
	}
	session.SetCookie(w, session.CookieName, sess.ID, "/app/", time.Time{}, s.cookieSecure(r))
	s.log.Info("signed in", "role", sess.Role, "via", sess.Via)
	next := l.Next
	if !opens(sess.Role, next) {
		next = "/app/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// opens reports whether role may open the application's path (the
// sign-in returns there only then).
func opens(role access.Role, path string) bool {
	switch {
	case strings.HasPrefix(path, "/app/maps"), strings.HasPrefix(path, "/app/directory"):
		return role == access.Coordinator
	case strings.HasPrefix(path, "/app/areas"):
		return role == access.Analyst
	}
	return true
}

// assertionMargin is how long before its expiry an assertion is renewed.
const assertionMargin = 30 * time.Second

// fresh returns sess with an assertion that holds for more than
// assertionMargin, exchanging the ID token again when it does not.
func (s *Server) fresh(ctx context.Context, sess session.Session) (session.Session, error) {
	if sess.AssertionExpires.Sub(s.now()) > assertionMargin {
		return sess, nil
	}
	ex, err := s.client.exchange(ctx, sess.IDToken)
	if err != nil {
		return sess, err
	}
	if ex.Principal.Subject != sess.Subject {
		return sess, &serviceError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "the renewed assertion names someone else"}
	}
	if err := s.sessions.Refresh(sess.ID, ex.Principal, ex.Assertion, ex.ExpiresAt); err != nil {
		return sess, &serviceError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()}
	}
	sess.Principal, sess.Assertion, sess.AssertionExpires = ex.Principal, ex.Assertion, ex.ExpiresAt
	return sess, nil
}

// logout ends the session here, with the session's CSRF token, without
// asking any service (it works when they are down). The provider's own
// session, if it keeps one, is not ended: the development provider keeps
// none.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	q := &req{w: w, r: r, lang: s.language(r)}
	sess, err := s.sessions.Read(r)
	if err != nil {
		s.clearSession(q)
		http.Redirect(w, r, "/app/signin?out=1", http.StatusSeeOther)
		return
	}
	q.sess = sess
	if err := r.ParseForm(); err != nil || !session.CheckCSRF(sess, r.PostForm.Get("csrf")) {
		s.errorPage(q, http.StatusForbidden, "error.csrf")
		return
	}
	s.sessions.End(sess.ID)
	s.clearSession(q)
	s.log.Info("signed out", "role", sess.Role)
	http.Redirect(w, r, "/app/signin?out=1", http.StatusSeeOther)
}
