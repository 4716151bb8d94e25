package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPrincipal(t *testing.T) {
	for in, want := range map[string]string{
		"Kari Nordmann":      "user:kari.nordmann",
		"  Åse   Øyen-Ærø ":  "user:ase.oyen.aero",
		"ola.n@example":      "user:ola.nexample",
		"!!!":                "",
		"":                   "",
		"Dr. Björn Müller 2": "user:dr.bjorn.muller.2",
	} {
		if got := Principal(in); got != want {
			t.Errorf("Principal(%q) = %q, want %q", in, got, want)
		}
	}
	if p := Principal(strings.Repeat("a", 500)); len(p) > 128 {
		t.Errorf("a long name gives a principal of %d characters", len(p))
	}
}

// cookieOf returns the request a browser would send after w's answer.
func cookieOf(t *testing.T, w *httptest.ResponseRecorder) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "/app/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

func TestCookieRoundTripTamperingAndExpiry(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	m, err := NewManager([]byte("0123456789abcdef0123456789abcdef"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.SignIn("Kari Nordmann", Coordinator, "3301")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := m.Write(w, httptest.NewRequest("GET", "/", nil), s); err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/app/" {
		t.Errorf("cookie attributes: %+v", c)
	}
	got, err := m.Read(cookieOf(t, w))
	if err != nil || got.Principal != "user:kari.nordmann" || got.Role != Coordinator || got.Municipality != "3301" {
		t.Fatalf("Read = %+v, %v", got, err)
	}

	// Another key, or a changed payload, is not this server's cookie.
	other, _ := NewManager([]byte("another key of thirty-two bytes!"), func() time.Time { return now })
	if _, err := other.Read(cookieOf(t, w)); !errors.Is(err, ErrInvalid) {
		t.Errorf("another key reads the cookie: %v", err)
	}
	r := httptest.NewRequest("GET", "/app/", nil)
	payload, sig, _ := strings.Cut(c.Value, ".")
	r.AddCookie(&http.Cookie{Name: CookieName, Value: payload + "x." + sig})
	if _, err := m.Read(r); !errors.Is(err, ErrInvalid) {
		t.Errorf("a changed cookie reads: %v", err)
	}
	if _, err := m.Read(httptest.NewRequest("GET", "/app/", nil)); !errors.Is(err, ErrNoSession) {
		t.Errorf("no cookie: %v", err)
	}

	// Eight hours later the session has expired.
	now = now.Add(TTL)
	if _, err := m.Read(cookieOf(t, w)); !errors.Is(err, ErrExpired) {
		t.Errorf("after %s: %v", TTL, err)
	}

	// Over TLS the cookie is Secure.
	w = httptest.NewRecorder()
	tls := httptest.NewRequest("GET", "https://samspill.example/app/", nil)
	if err := m.Write(w, tls, s); err != nil || !w.Result().Cookies()[0].Secure {
		t.Errorf("cookie over TLS is not Secure: %v", err)
	}
}

func TestCSRFTokenIsTiedToTheSession(t *testing.T) {
	m, err := NewManager(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.SignIn("Kari", Coordinator, "3301")
	b, _ := m.SignIn("Kari", Coordinator, "3301")
	tok := m.CSRFToken(a)
	if !m.CheckCSRF(a, tok) {
		t.Fatal("a session's own token is refused")
	}
	for _, bad := range []string{"", "x", m.CSRFToken(b), tok + "A"} {
		if m.CheckCSRF(a, bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	anon, _ := m.Anonymous()
	if anon.SignedIn() || m.CheckCSRF(anon, tok) {
		t.Error("an anonymous session accepts a signed-in session's token")
	}
	if _, err := m.SignIn("Kari", "admin", "3301"); err == nil {
		t.Error("an unknown role signs in")
	}
}
