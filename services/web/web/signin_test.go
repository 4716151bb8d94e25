package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/services/web/session"
)

// wantAssertion checks the headers of one request to a service and
// returns its assertion: the assertion verifies and names who, the
// purpose is the role's.
func (s *system) wantAssertion(t *testing.T, ch <-chan nats.Header, subject string, role access.Role) string {
	t.Helper()
	select {
	case h := <-ch:
		p, err := s.signer.Verifier().Verify(h.Get(access.HeaderAssertion))
		if err != nil || p.Subject != subject || p.Role != role || p.Via != "oidc" {
			t.Errorf("the request's assertion: %+v %v", p, err)
		}
		if got := h.Get(access.HeaderPurpose); got != string(access.DefaultPurpose(role)) {
			t.Errorf("purpose %q, want %q", got, access.DefaultPurpose(role))
		}
		if h.Get("Samspill-Principal") != "" {
			t.Error("the old Samspill-Principal header is still sent")
		}
		return h.Get(access.HeaderAssertion)
	case <-time.After(5 * time.Second):
		t.Fatal("no request reached the service")
	}
	return ""
}

func TestSignInWithOpenIDConnect(t *testing.T) {
	s := start(t, false)
	maps := s.record("maps", []any{})
	u := s.user()

	// A browser at / goes to the application, then to the provider, with
	// a state, a nonce and a PKCE challenge.
	resp, _ := u.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/" {
		t.Fatalf("GET / from a browser: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/login" {
		t.Fatalf("GET /app/ signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = u.get("/app/login")
	auth, _ := url.Parse(resp.Header.Get("Location"))
	qs := auth.Query()
	if qs.Get("client_id") != clientID || qs.Get("redirect_uri") != s.http.URL+"/app/callback" || qs.Get("response_type") != "code" ||
		qs.Get("code_challenge_method") != "S256" || len(qs.Get("code_challenge")) != 43 || qs.Get("state") == "" || qs.Get("nonce") == "" ||
		!strings.Contains(qs.Get("scope"), "openid") {
		t.Errorf("authorization request: %s", auth)
	}
	var login *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == session.LoginCookieName {
			login = c
		}
	}
	if login == nil || !login.HttpOnly || login.SameSite != http.SameSiteLaxMode || login.Path != "/app/callback" {
		t.Errorf("login cookie: %+v", login)
	}
	page := u.atProvider(resp)
	callback := u.choose(page, "dev-kari")
	resp, _ = u.get(callback)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/" {
		t.Fatalf("callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/app/" ||
		len(cookie.Value) != 43 || strings.Contains(cookie.Value, "kari") {
		t.Fatalf("session cookie: %+v", cookie)
	}

	// Signed in: the start page names the user, and the maps query the
	// page made carried Kari's assertion and the coordinator's purpose.
	resp, body := u.get("/app/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Kari Nordmann · Coordinator") || !strings.Contains(body, "You have no maps yet") {
		t.Fatalf("start page: %d %.800s", resp.StatusCode, body)
	}
	s.wantAssertion(t, maps, "dev-kari", access.Coordinator)

	// The callback cannot be used again, nor from another browser.
	if resp, _ := u.get(callback); resp.Header.Get("Location") != "/app/signin?state=1" {
		t.Errorf("the callback again: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	victim, attacker := s.user(), s.user()
	resp, _ = attacker.get("/app/login")
	forged := attacker.choose(attacker.atProvider(resp), "dev-per")
	victim.get("/app/login") // the victim has a sign-in under way of their own
	resp, _ = victim.get(forged)
	if resp.Header.Get("Location") != "/app/signin?state=1" || victim.sessionCookie() != "" {
		t.Errorf("another browser's callback signs in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = victim.get("/app/signin?state=1")
	if !strings.Contains(body, "did not start in this browser") || !strings.Contains(body, `href="/app/login"`) {
		t.Errorf("the signed-out page: %.800s", body)
	}

	// A session id the server does not hold is refused, and its cookie
	// cleared.
	for _, id := range []string{session.Random(), u.sessionCookie() + "x", ""} {
		req, _ := http.NewRequest("GET", s.http.URL+"/app/", nil)
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: id})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/login" {
			t.Errorf("session id %q: %d %s", id, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// A POST needs the session's CSRF token: none, or another session's,
	// is refused.
	if resp, _ := u.post("/app/maps", url.Values{"label": {"Ola N."}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d", resp.StatusCode)
	}
	other := s.user()
	other.signIn("dev-per")
	if other.csrf == "" || other.csrf == u.csrf {
		t.Fatalf("CSRF tokens: %q %q", other.csrf, u.csrf)
	}
	if resp, _ := u.post("/app/maps", url.Values{"csrf": {other.csrf}, "label": {"Ola N."}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST with another session's token: %d", resp.StatusCode)
	}

	// The language switch sets a cookie and goes back.
	resp, _ = u.get("/app/lang?to=nb&back=/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/" {
		t.Errorf("language switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := u.get("/app/"); !strings.Contains(body, `<html lang="nb">`) || !strings.Contains(body, "Mine kart") {
		t.Errorf("after the switch the page is not in Norwegian: %.300s", body)
	}
	if resp, _ := u.get("/app/lang?to=en&back=https://evil.example/"); resp.Header.Get("Location") != "/app/" {
		t.Errorf("the switch follows a foreign back link: %s", resp.Header.Get("Location"))
	}

	// Sign-out needs the token too; then the session is over on the
	// server, whatever the browser sends.
	id := u.sessionCookie()
	if resp, _ := u.post("/app/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without a CSRF token: %d", resp.StatusCode)
	}
	resp, _ = u.post("/app/logout", url.Values{"csrf": {u.csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/signin?out=1" || u.sessionCookie() != "" {
		t.Errorf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := s.web.sessions.Get(id); err == nil {
		t.Error("the session outlives the sign-out")
	}
	if _, body := u.get("/app/signin?out=1"); !strings.Contains(body, "You have signed out.") {
		t.Errorf("signed-out page: %.500s", body)
	}
	resp, _ = u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/login" {
		t.Errorf("after sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignInCancelledOrRefused(t *testing.T) {
	s := start(t, false)
	u := s.user()
	resp, _ := u.get("/app/login")
	resp, _ = u.post(s.idp.Issuer()+"/authorize", url.Values{"request": {u.atProvider(resp)}, "cancel": {"1"}})
	resp, _ = u.get(resp.Header.Get("Location"))
	if resp.Header.Get("Location") != "/app/signin?cancelled=1" || u.sessionCookie() != "" {
		t.Errorf("cancelled: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A code whose ID token carries another nonce (the authorization
	// request altered on its way) is refused, though state and PKCE match.
	resp, _ = u.get("/app/login")
	auth, _ := url.Parse(resp.Header.Get("Location"))
	qs := auth.Query()
	qs.Set("nonce", "not-the-sign-ins")
	auth.RawQuery = qs.Encode()
	_, page := u.get(auth.String())
	resp, _ = u.get(u.choose(requestField.FindStringSubmatch(page)[1], "dev-kari"))
	if resp.Header.Get("Location") != "/app/signin?failed=1" || u.sessionCookie() != "" {
		t.Errorf("another nonce: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The access service refuses the user: no session.
	s.refuseExchanges()
	resp, _ = u.get("/app/login")
	resp, _ = u.get(u.choose(u.atProvider(resp), "dev-kari"))
	if resp.Header.Get("Location") != "/app/signin?refused=1" || u.sessionCookie() != "" {
		t.Errorf("refused by the access service: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := u.get("/app/signin?refused=1"); !strings.Contains(body, "has no role in Samspill") {
		t.Errorf("refused page: %.500s", body)
	}
}

func TestSessionExpiryIdleAndAssertionRenewal(t *testing.T) {
	s := start(t, false)
	maps := s.record("maps", []any{})
	u := s.user()
	u.signIn("dev-kari")
	first := s.wantAssertion(t, maps, "dev-kari", access.Coordinator)
	// With 20 s of the assertion left, the next request exchanges the ID
	// token again, and sends the new assertion, valid at this time (each
	// assertion has its own id, so a new one differs from the last).
	s.clock.Add(access.AssertionTTL - 20*time.Second)
	if resp, _ := u.get("/app/"); resp.StatusCode != 200 {
		t.Fatalf("start page: %d", resp.StatusCode)
	}
	renewed := s.wantAssertion(t, maps, "dev-kari", access.Coordinator)
	if renewed == first {
		t.Error("the assertion was not renewed with 20 s left")
	}
	if resp, _ := u.get("/app/"); resp.StatusCode != 200 {
		t.Fatalf("start page: %d", resp.StatusCode)
	}
	if again := s.wantAssertion(t, maps, "dev-kari", access.Coordinator); again != renewed {
		t.Error("a fresh assertion was exchanged again")
	}

	// 29 minutes idle is fine; 30 more is not (within the ID token's
	// hour).
	u = s.user()
	u.signIn("dev-kari")
	s.clock.Add(29 * time.Minute)
	if resp, _ := u.get("/app/"); resp.StatusCode != 200 {
		t.Fatalf("after 29 idle minutes: %d", resp.StatusCode)
	}
	s.clock.Add(30 * time.Minute)
	resp, _ := u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/signin?idle=1" || u.sessionCookie() != "" {
		t.Errorf("idle session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := u.get("/app/signin?idle=1"); !strings.Contains(body, "30 minutes without activity") {
		t.Errorf("idle page: %.500s", body)
	}

	// The session ends with the ID token (an hour here), however active.
	u.signIn("dev-kari")
	for range 2 {
		s.clock.Add(25 * time.Minute)
		if resp, _ := u.get("/app/"); resp.StatusCode != 200 {
			t.Fatalf("an active session within the hour: %d", resp.StatusCode)
		}
	}
	s.clock.Add(15 * time.Minute)
	resp, _ = u.get("/app/maps/5b0c9f7e-4a51-4c1e-9a57-0d1f7b7c2e11")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/signin?expired=1" {
		t.Errorf("after the ID token's hour: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := u.get("/app/signin?expired=1"); !strings.Contains(body, "Your session has expired") {
		t.Errorf("expired page: %.500s", body)
	}

	// When the access service stops vouching for the user, the session
	// ends at the next renewal.
	u.signIn("dev-kari")
	s.refuseExchanges()
	s.clock.Add(access.AssertionTTL)
	resp, _ = u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/signin?refused=1" || u.sessionCookie() != "" {
		t.Errorf("renewal refused: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestPagesByRole(t *testing.T) {
	s := start(t, false)
	const mapPath = "/app/maps/5b0c9f7e-4a51-4c1e-9a57-0d1f7b7c2e11"

	// An analyst: their region, no citizen map, no other region. A link
	// to a map from before the sign-in leads to the start instead.
	u := s.user()
	if next := u.signInFrom(mapPath, "dev-arne"); next != "/app/" {
		t.Errorf("an analyst signing in from a map page goes to %s", next)
	}
	resp, _ := u.get("/app/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/areas/3301" {
		t.Errorf("an analyst's start: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{mapPath, mapPath + "/live", mapPath + "/picture.svg", "/app/directory?q=nav"} {
		if resp, body := u.get(path); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "analysts see aggregated figures") {
			t.Errorf("analyst at %s: %d", path, resp.StatusCode)
		}
	}
	if resp, body := u.get("/app/areas/0301"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "their own municipality only") {
		t.Errorf("an analyst at another region: %d", resp.StatusCode)
	}
	if resp, _ := u.get("/app/areas/0301/picture.svg"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an analyst at another region's picture: %d", resp.StatusCode)
	}
	if resp, _ := u.get("/app/areas?municipality=0301"); resp.Header.Get("Location") != "/app/areas/3301" {
		t.Errorf("the region pick: %s", resp.Header.Get("Location"))
	}
	// The region page says honestly what is not available.
	resp, body := u.get("/app/areas/3301")
	if resp.StatusCode != 200 || strings.Count(body, "Not available right now") < 2 || !strings.Contains(body, `src="/app/areas/3301/picture.svg?lang=en"`) ||
		!strings.Contains(body, `href="/app/areas/3301" aria-current="page"`) || strings.Contains(body, `>My maps<`) {
		t.Errorf("region page without services: %d %.400s", resp.StatusCode, body)
	}
	if resp, _ := u.post("/app/maps", url.Values{"csrf": {u.csrf}, "label": {"X"}, "municipality": {"3301"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an analyst opens a map: %d", resp.StatusCode)
	}

	// A coordinator sees no region page.
	c := s.user()
	c.signIn("dev-kari")
	if resp, body := c.get("/app/areas/3301"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "region figures are for analysts") {
		t.Errorf("a coordinator at the region: %d", resp.StatusCode)
	}

	// An administrator: their page, and neither maps nor regions.
	a := s.user()
	a.signIn("dev-ada")
	if resp, body := a.get("/app/"); resp.StatusCode != 200 || !strings.Contains(body, "<h1>Administration</h1>") || !strings.Contains(body, "Ada Admin · Administrator") {
		t.Errorf("an administrator's start: %d %.500s", resp.StatusCode, body)
	}
	for _, path := range []string{mapPath, "/app/areas/3301", "/app/directory?q=nav"} {
		if resp, body := a.get(path); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not the contents of citizen maps") {
			t.Errorf("administrator at %s: %d", path, resp.StatusCode)
		}
	}
}
