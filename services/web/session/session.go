// Package session keeps the web application's sign-ins on the server. The
// browser holds only a random session id in a cookie (HttpOnly,
// SameSite=Lax, Secure over TLS); who is signed in, their ID token, their
// current Samspill assertion and their CSRF token stay in a Store in the
// process's memory, so a session ends when the process does and can be
// ended on the server (sign-out) whatever the browser keeps.
//
// A session ends at the ID token's expiry or MaxAge (8 hours) after the
// sign-in, whichever comes first, and after IdleTimeout (30 minutes)
// without a request. Logins keeps the state of sign-ins under way (the
// OpenID Connect state, nonce and PKCE verifier), each bound to the
// browser that started it by its own cookie and used once.
//
// The pages only read a Session; how one is made (OpenID Connect, in
// package web) is not this package's business.
//
// # Concurrency
//
// Store and Logins are safe for concurrent use.
package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/samspill/samspill/pkg/access"
)

// Cookie names.
const (
	// CookieName is the session cookie's name.
	CookieName = "samspill_session"
	// LoginCookieName is the cookie of a sign-in under way.
	LoginCookieName = "samspill_login"
)

// Lifetimes.
const (
	// MaxAge is the longest a sign-in lasts.
	MaxAge = 8 * time.Hour
	// IdleTimeout ends a session that made no request for this long.
	IdleTimeout = 30 * time.Minute
	// LoginTTL is how long a sign-in may take at the identity provider.
	LoginTTL = 10 * time.Minute
)

// maxEntries bounds the sessions and the sign-ins under way held at once,
// so that a flood of requests cannot fill the memory.
const maxEntries = 100000

// Session is a signed-in user.
type Session struct {
	// ID is random; the cookie holds it and nothing else.
	ID string
	// CSRF is the token every form of this session carries.
	CSRF string
	// Principal is who the access service says the user is (subject,
	// role, municipality).
	access.Principal
	// Name is the user's display name, from the ID token (never a
	// citizen's).
	Name string
	// IDToken is the raw ID token, exchanged again for an assertion when
	// the assertion runs out.
	IDToken string
	// Assertion is the current Samspill assertion, sent with every NATS
	// request, and AssertionExpires when it runs out.
	Assertion        string
	AssertionExpires time.Time
	// Started is the sign-in, LastSeen the last request, Expires the end
	// (the ID token's expiry or Started+MaxAge, whichever is first).
	Started, LastSeen, Expires time.Time
}

// SignedIn reports whether s is a session (the zero Session is not).
func (s Session) SignedIn() bool { return s.ID != "" && s.Subject != "" }

// Errors of Store.
var (
	ErrNoSession = errors.New("session: no such session")
	ErrExpired   = errors.New("session: expired")
	ErrIdle      = errors.New("session: ended after inactivity")
	ErrFull      = errors.New("session: too many sessions")
)

// Store holds the sessions.
type Store struct {
	now func() time.Time

	mu       sync.Mutex
	sessions map[string]*Session
}

// NewStore returns an empty store on the clock now (nil: time.Now).
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, sessions: map[string]*Session{}}
}

// Start stores a new session for s's user, with a fresh id and CSRF
// token, ending at idExpiry or MaxAge from now, whichever is first.
func (st *Store) Start(s Session, idExpiry time.Time) (Session, error) {
	now := st.now()
	s.ID, s.CSRF = Random(), Random()
	s.Started, s.LastSeen = now, now
	s.Expires = now.Add(MaxAge)
	if !idExpiry.IsZero() && idExpiry.Before(s.Expires) {
		s.Expires = idExpiry
	}
	if !now.Before(s.Expires) {
		return Session{}, ErrExpired
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.sessions) >= maxEntries {
		st.sweep(now)
		if len(st.sessions) >= maxEntries {
			return Session{}, ErrFull
		}
	}
	st.sessions[s.ID] = &s
	return s, nil
}

// Get returns the session id and counts the request as activity. An
// expired or idle session is ended and reported as ErrExpired or ErrIdle.
func (st *Store) Get(id string) (Session, error) { return st.get(id, true) }

// Peek returns the session id like Get, without counting activity (for a
// live stream checking that its session still holds).
func (st *Store) Peek(id string) (Session, error) { return st.get(id, false) }

func (st *Store) get(id string, touch bool) (Session, error) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.sessions[id]
	switch {
	case !ok || id == "":
		return Session{}, ErrNoSession
	case !now.Before(s.Expires):
		delete(st.sessions, id)
		return Session{}, ErrExpired
	case now.Sub(s.LastSeen) >= IdleTimeout:
		delete(st.sessions, id)
		return Session{}, ErrIdle
	}
	if touch {
		s.LastSeen = now
	}
	return *s, nil
}

// Refresh stores a new assertion (and the principal it asserts) for
// session id.
func (st *Store) Refresh(id string, p access.Principal, assertion string, expires time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.sessions[id]
	if !ok {
		return ErrNoSession
	}
	s.Principal, s.Assertion, s.AssertionExpires = p, assertion, expires
	return nil
}

// End ends session id (nothing happens if there is none).
func (st *Store) End(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, id)
}

// Len is the number of sessions held (ended ones not yet swept count).
func (st *Store) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.sessions)
}

// sweep drops ended sessions; st.mu is held.
func (st *Store) sweep(now time.Time) {
	for id, s := range st.sessions {
		if !now.Before(s.Expires) || now.Sub(s.LastSeen) >= IdleTimeout {
			delete(st.sessions, id)
		}
	}
}

// Read returns the session of the request's cookie (ErrNoSession without
// one).
func (st *Store) Read(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return Session{}, ErrNoSession
	}
	return st.Get(c.Value)
}

// CheckCSRF reports whether token is session s's CSRF token.
func CheckCSRF(s Session, token string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}

// Login is a sign-in under way: what the callback from the identity
// provider is checked against.
type Login struct {
	// ID is the value of the browser's login cookie.
	ID string
	// State, Nonce and Verifier (PKCE) are sent to the identity provider
	// and checked when the user comes back.
	State, Nonce, Verifier string
	// Next is where to go after the sign-in (a path of the application).
	Next    string
	Expires time.Time
}

// Errors of Logins.
var ErrNoLogin = errors.New("session: no such sign-in under way, or not from this browser")

// Logins holds the sign-ins under way.
type Logins struct {
	now func() time.Time

	mu     sync.Mutex
	logins map[string]Login
}

// NewLogins returns an empty set of sign-ins on the clock now (nil:
// time.Now).
func NewLogins(now func() time.Time) *Logins {
	if now == nil {
		now = time.Now
	}
	return &Logins{now: now, logins: map[string]Login{}}
}

// Begin stores a new sign-in that goes to next when done; verifier is its
// PKCE code verifier.
func (ls *Logins) Begin(next, verifier string) (Login, error) {
	now := ls.now()
	l := Login{ID: Random(), State: Random(), Nonce: Random(), Verifier: verifier, Next: next, Expires: now.Add(LoginTTL)}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if len(ls.logins) >= maxEntries {
		for id, x := range ls.logins {
			if !now.Before(x.Expires) {
				delete(ls.logins, id)
			}
		}
		if len(ls.logins) >= maxEntries {
			return Login{}, ErrFull
		}
	}
	ls.logins[l.ID] = l
	return l, nil
}

// Finish ends the sign-in of the browser's login cookie id and returns it
// when state is its state and it has not expired; either way it cannot be
// finished again.
func (ls *Logins) Finish(id, state string) (Login, error) {
	now := ls.now()
	ls.mu.Lock()
	l, ok := ls.logins[id]
	delete(ls.logins, id)
	ls.mu.Unlock()
	if !ok || id == "" || state == "" || subtle.ConstantTimeCompare([]byte(l.State), []byte(state)) != 1 || !now.Before(l.Expires) {
		return Login{}, ErrNoLogin
	}
	return l, nil
}

// SetCookie sets cookie name to value on path until expires (a session
// cookie when zero), HttpOnly and SameSite=Lax, Secure when secure.
func SetCookie(w http.ResponseWriter, name, value, path string, expires time.Time, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}

// ClearCookie removes cookie name on path.
func ClearCookie(w http.ResponseWriter, name, path string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}

// Random returns 32 random bytes in base64url: session ids, CSRF tokens,
// OpenID Connect states and nonces.
func Random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
