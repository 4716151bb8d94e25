// Package session is the web application's sign-in state: a signed cookie
// that names who is signed in (a pseudonymous principal, a role and a
// municipality), when it expires, and a random id that CSRF tokens are
// tied to. The pages only read a Session; how one is made (today a
// development sign-in form, later OpenID Connect) lives beside this
// package, so replacing the sign-in does not touch the pages.
//
// The cookie is the JSON of a Session, base64url, a dot and the
// HMAC-SHA256 of that text under the server's key; it is HttpOnly,
// SameSite=Lax, Secure when the request came over TLS, and the session
// inside expires after TTL (8 hours) whatever the browser keeps.
package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// CookieName is the session cookie's name.
const CookieName = "samspill_session"

// TTL is how long a sign-in lasts.
const TTL = 8 * time.Hour

// Role is what a signed-in user does.
type Role string

// Roles.
const (
	Coordinator Role = "coordinator"
	Analyst     Role = "analyst"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Coordinator || r == Analyst }

// Session is what the cookie holds. A Session with an empty Principal is
// anonymous: it exists only so that the sign-in form has a CSRF token.
type Session struct {
	// ID is random; CSRF tokens are derived from it.
	ID string `json:"id"`
	// Principal is the pseudonymous user id sent with commands
	// ("user:kari.nordmann"); empty when nobody is signed in.
	Principal string `json:"p,omitempty"`
	// Name is the display name of the user (not of any citizen).
	Name         string    `json:"n,omitempty"`
	Role         Role      `json:"r,omitempty"`
	Municipality string    `json:"m,omitempty"`
	Expires      time.Time `json:"e"`
}

// SignedIn reports whether someone is signed in.
func (s Session) SignedIn() bool { return s.Principal != "" }

// Errors of Read.
var (
	ErrNoSession = errors.New("session: no session cookie")
	ErrInvalid   = errors.New("session: cookie is not signed by this server")
	ErrExpired   = errors.New("session: expired")
)

// Manager signs and reads session cookies with one key.
type Manager struct {
	key []byte
	now func() time.Time
}

// NewManager returns a manager signing with key; an empty key gets a
// random one (sessions then end when the process does). now may be nil.
func NewManager(key []byte, now func() time.Time) (*Manager, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("session: random key: %w", err)
		}
	}
	if now == nil {
		now = time.Now
	}
	return &Manager{key: append([]byte(nil), key...), now: now}, nil
}

func (m *Manager) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, m.key)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// Anonymous returns a new session without a user, for the sign-in form.
func (m *Manager) Anonymous() (Session, error) {
	id, err := randomID()
	if err != nil {
		return Session{}, err
	}
	return Session{ID: id, Expires: m.now().Add(TTL)}, nil
}

// SignIn returns a new session for a user. name is the display name,
// from which the principal is made (Principal).
func (m *Manager) SignIn(name string, role Role, municipality string) (Session, error) {
	p := Principal(name)
	if p == "" {
		return Session{}, fmt.Errorf("session: name %q gives no principal", name)
	}
	if !role.Valid() {
		return Session{}, fmt.Errorf("session: role %q", role)
	}
	id, err := randomID()
	if err != nil {
		return Session{}, err
	}
	return Session{ID: id, Principal: p, Name: strings.TrimSpace(name), Role: role, Municipality: municipality,
		Expires: m.now().Add(TTL)}, nil
}

// Write sets the session cookie.
func (m *Manager) Write(w http.ResponseWriter, r *http.Request, s Session) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	value := payload + "." + base64.RawURLEncoding.EncodeToString(m.mac("session", payload))
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: value, Path: "/app/", Expires: s.Expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return nil
}

// Clear removes the session cookie.
func (m *Manager) Clear(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/app/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// Read returns the request's session: ErrNoSession without a cookie,
// ErrInvalid for a cookie this server did not sign, ErrExpired after its
// time.
func (m *Manager) Read(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return Session{}, ErrNoSession
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return Session{}, ErrInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, m.mac("session", payload)) {
		return Session{}, ErrInvalid
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Session{}, ErrInvalid
	}
	var s Session
	if err := json.Unmarshal(body, &s); err != nil || s.ID == "" {
		return Session{}, ErrInvalid
	}
	if !m.now().Before(s.Expires) {
		return Session{}, ErrExpired
	}
	return s, nil
}

// CSRFToken returns the token that forms of session s carry.
func (m *Manager) CSRFToken(s Session) string {
	return base64.RawURLEncoding.EncodeToString(m.mac("csrf", s.ID, s.Principal))
}

// CheckCSRF reports whether token is session s's CSRF token.
func (m *Manager) CheckCSRF(s Session, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && token != "" && hmac.Equal(got, m.mac("csrf", s.ID, s.Principal))
}

func randomID() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Principal makes the pseudonymous principal of a display name: "user:"
// and a slug of the name (lower case, Nordic letters spelt out, words
// joined by dots): "Kari Nordmann" → "user:kari.nordmann". It returns ""
// when the name has no letter or digit.
func Principal(name string) string {
	var b strings.Builder
	dot := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch r {
		case 'æ':
			s = "ae"
		case 'ø', 'ö':
			s = "o"
		case 'å', 'ä', 'á', 'à':
			s = "a"
		case 'é', 'è':
			s = "e"
		case 'ü':
			s = "u"
		default:
			if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
				s = string(r)
			} else if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' {
				dot = b.Len() > 0
				continue
			} else {
				continue
			}
		}
		if dot {
			b.WriteByte('.')
			dot = false
		}
		b.WriteString(s)
		if b.Len() >= 100 {
			break
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "user:" + b.String()
}
