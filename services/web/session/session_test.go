package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
)

var kari = access.Principal{Subject: "dev:kari", Role: access.Coordinator, Municipality: "3301"}

func TestSessionEndsAtTheIDTokenOrMaxAgeAndWhenIdle(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	st := NewStore(func() time.Time { return now })

	// An ID token for an hour: the session ends with it.
	s, err := st.Start(Session{Principal: kari, Name: "Kari"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Expires.Equal(now.Add(time.Hour)) || s.ID == "" || s.CSRF == "" || s.ID == s.CSRF || !s.SignedIn() {
		t.Fatalf("started: %+v", s)
	}
	// An ID token for a day: the session ends after MaxAge.
	long, _ := st.Start(Session{Principal: kari}, now.Add(24*time.Hour))
	if !long.Expires.Equal(now.Add(MaxAge)) {
		t.Errorf("a day's ID token gives a session until %v", long.Expires)
	}
	// An ID token already expired gives no session.
	if _, err := st.Start(Session{Principal: kari}, now); !errors.Is(err, ErrExpired) {
		t.Errorf("an expired ID token: %v", err)
	}

	// Requests every 29 minutes keep it; Peek does not count.
	for range 2 {
		now = now.Add(29 * time.Minute)
		if _, err := st.Get(s.ID); err != nil {
			t.Fatalf("after 29 minutes: %v", err)
		}
	}
	now = now.Add(31 * time.Minute) // 89 minutes after the start
	if _, err := st.Peek(long.ID); !errors.Is(err, ErrIdle) {
		t.Errorf("idle for 89 minutes: %v", err)
	}
	if _, err := st.Get(s.ID); !errors.Is(err, ErrExpired) {
		t.Errorf("after the ID token's expiry: %v", err)
	}
	// Ended sessions are gone, not only refused.
	if _, err := st.Get(s.ID); !errors.Is(err, ErrNoSession) || st.Len() != 0 {
		t.Errorf("an ended session is still held: %v, %d", err, st.Len())
	}

	s, _ = st.Start(Session{Principal: kari}, now.Add(time.Hour))
	now = now.Add(20 * time.Minute)
	if _, err := st.Peek(s.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Minute) // 30 minutes since the last Get
	if _, err := st.Get(s.ID); !errors.Is(err, ErrIdle) {
		t.Errorf("Peek counted as activity: %v", err)
	}

	// Refresh and End.
	s, _ = st.Start(Session{Principal: kari}, now.Add(time.Hour))
	if err := st.Refresh(s.ID, kari, "new-assertion", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(s.ID); got.Assertion != "new-assertion" {
		t.Errorf("refresh: %+v", got)
	}
	st.End(s.ID)
	if _, err := st.Get(s.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("after End: %v", err)
	}
	if err := st.Refresh(s.ID, kari, "x", now); !errors.Is(err, ErrNoSession) {
		t.Errorf("refresh of an ended session: %v", err)
	}
	if _, err := st.Get(""); !errors.Is(err, ErrNoSession) {
		t.Errorf("empty id: %v", err)
	}
}

func TestReadCookieAndCSRF(t *testing.T) {
	st := NewStore(nil)
	a, _ := st.Start(Session{Principal: kari}, time.Time{})
	b, _ := st.Start(Session{Principal: kari}, time.Time{})

	w := httptest.NewRecorder()
	SetCookie(w, CookieName, a.ID, "/app/", a.Expires, false)
	c := w.Result().Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/app/" || c.Value != a.ID {
		t.Errorf("cookie attributes: %+v", c)
	}
	w = httptest.NewRecorder()
	SetCookie(w, CookieName, a.ID, "/app/", a.Expires, true)
	if !w.Result().Cookies()[0].Secure {
		t.Error("a secure cookie is not Secure")
	}
	r := httptest.NewRequest("GET", "/app/", nil)
	r.AddCookie(c)
	if got, err := st.Read(r); err != nil || got.ID != a.ID || got.Subject != "dev:kari" {
		t.Errorf("Read: %+v %v", got, err)
	}
	for _, v := range []string{"", a.ID + "x", Random()} {
		r := httptest.NewRequest("GET", "/app/", nil)
		r.AddCookie(&http.Cookie{Name: CookieName, Value: v})
		if _, err := st.Read(r); !errors.Is(err, ErrNoSession) {
			t.Errorf("cookie %q: %v", v, err)
		}
	}
	if !CheckCSRF(a, a.CSRF) {
		t.Fatal("a session's own token is refused")
	}
	for _, bad := range []string{"", "x", b.CSRF, a.CSRF + "A", a.ID} {
		if CheckCSRF(a, bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	if CheckCSRF(Session{}, "") {
		t.Error("an empty token matches an empty session")
	}
}

func TestLoginsAreBoundAndUsedOnce(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	ls := NewLogins(func() time.Time { return now })
	l, err := ls.Begin("/app/maps/x", "verifier")
	if err != nil {
		t.Fatal(err)
	}
	if l.State == "" || l.Nonce == "" || l.State == l.Nonce || l.ID == l.State {
		t.Fatalf("login: %+v", l)
	}
	// Another state, or another browser's login: refused, and the login
	// is spent.
	if _, err := ls.Finish(l.ID, "forged"); !errors.Is(err, ErrNoLogin) {
		t.Errorf("a forged state: %v", err)
	}
	if _, err := ls.Finish(l.ID, l.State); !errors.Is(err, ErrNoLogin) {
		t.Errorf("a login finished after a forged state: %v", err)
	}
	l, _ = ls.Begin("/app/", "v")
	other, _ := ls.Begin("/app/", "v")
	if _, err := ls.Finish(other.ID, l.State); !errors.Is(err, ErrNoLogin) {
		t.Errorf("another browser's state: %v", err)
	}
	got, err := ls.Finish(l.ID, l.State)
	if err != nil || got.Next != "/app/" || got.Verifier != "v" || got.Nonce != l.Nonce {
		t.Errorf("finish: %+v %v", got, err)
	}
	if _, err := ls.Finish(l.ID, l.State); !errors.Is(err, ErrNoLogin) {
		t.Errorf("finished twice: %v", err)
	}
	l, _ = ls.Begin("/app/", "v")
	now = now.Add(LoginTTL)
	if _, err := ls.Finish(l.ID, l.State); !errors.Is(err, ErrNoLogin) {
		t.Errorf("a login after %s: %v", LoginTTL, err)
	}
}
