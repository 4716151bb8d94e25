package devidp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/access"
)

// The claims Samspill reads besides the standard ones.
const (
	// ClaimRole is the claim naming the user's Samspill role.
	ClaimRole = "samspill_role"
	// ClaimMunicipality is the claim naming the municipality the user's
	// role is bound to (four digits), when it is.
	ClaimMunicipality = "samspill_municipality"
)

// Lifetimes.
const (
	// DefaultTokenTTL is how long tokens hold when Config.TokenTTL is zero.
	DefaultTokenTTL = time.Hour
	// CodeTTL is how long an authorization code can be exchanged.
	CodeTTL = 60 * time.Second
	// RequestTTL is how long the sign-in page waits for a user to be chosen.
	RequestTTL = 10 * time.Minute
)

// maxPending bounds the sign-ins and codes kept at once, so that a flood of
// authorization requests cannot fill the memory.
const maxPending = 10000

// Config configures a Provider.
type Config struct {
	// Issuer is the provider's full URL, e.g. http://127.0.0.1:8080/idp;
	// its path is where the routes are served. A trailing slash is dropped
	// (Provider.Issuer gives the form tokens carry).
	Issuer string
	// Clients are the relying parties allowed to ask for sign-ins.
	Clients []Client
	// Users are who can be chosen on the sign-in page.
	Users []User
	// TokenTTL is how long ID and access tokens hold (default one hour).
	TokenTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AllowNonLoopback lets the issuer's host be something other than
	// localhost or a loopback address. Dangerous: anyone who reaches the
	// provider signs in as any configured user, without a password. Never
	// set it where the network or the data is real.
	AllowNonLoopback bool
}

// Client is a relying party.
type Client struct {
	// ID is the client id (the audience of its tokens).
	ID string
	// RedirectURIs are the exact URIs the provider may send a code to.
	RedirectURIs []string
}

// User is someone who can sign in.
type User struct {
	// Subject is the pseudonymous, stable id (the sub claim).
	Subject string
	// Name is the display name.
	Name string
	// Role is the Samspill role (samspill_role).
	Role access.Role
	// Municipality binds the role to a municipality (four digits;
	// required for an analyst).
	Municipality string
}

// Claims are the claims of the provider's tokens.
type Claims struct {
	jwt.Claims
	Nonce        string      `json:"nonce,omitempty"`
	AccessHash   string      `json:"at_hash,omitempty"`
	AuthTime     int64       `json:"auth_time,omitempty"`
	AZP          string      `json:"azp,omitempty"`
	ClientID     string      `json:"client_id,omitempty"`
	Scope        string      `json:"scope,omitempty"`
	Name         string      `json:"name,omitempty"`
	Role         access.Role `json:"samspill_role,omitempty"`
	Municipality string      `json:"samspill_municipality,omitempty"`
}

// Errors of New and Token.
var (
	ErrConfig      = errors.New("devidp: configuration")
	ErrUnknownUser = errors.New("devidp: no such user")
)

// Provider is a development OpenID Connect provider.
type Provider struct {
	issuer  string
	prefix  string // the issuer's path, without a trailing slash
	clients map[string]Client
	users   []User
	ttl     time.Duration
	now     func() time.Time

	key      *ecdsa.PrivateKey
	keyID    string
	idSigner jose.Signer
	atSigner jose.Signer

	mu       sync.Mutex
	requests map[string]authRequest // pending sign-ins, by request id
	codes    map[string]grant       // authorization codes
}

// authRequest is an authorization request waiting for a user.
type authRequest struct {
	client, redirectURI, state, nonce, challenge, scope string
	expires                                             time.Time
}

// grant is what an authorization code stands for.
type grant struct {
	client, redirectURI, nonce, challenge, scope, subject string
	authTime                                              time.Time
	expires                                               time.Time
}

var (
	pathPattern      = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*/?$`)
	subjectPattern   = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)
	challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	verifierPattern  = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)
)

// New returns a provider with a fresh signing key. It refuses a
// configuration it cannot serve safely: an issuer that is not an absolute
// http(s) URL, or whose host is not loopback (unless AllowNonLoopback), a
// client without redirect URIs, a user whose role or municipality is
// invalid, duplicate ids.
func New(cfg Config) (*Provider, error) {
	issuer := strings.TrimRight(cfg.Issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(issuer, "?") || strings.HasSuffix(issuer, "#") {
		return nil, fmt.Errorf("%w: issuer %q: want an absolute http(s) URL without query or fragment", ErrConfig, cfg.Issuer)
	}
	if !pathPattern.MatchString(u.EscapedPath()) {
		return nil, fmt.Errorf("%w: issuer %q: the path may hold only letters, digits and . _ ~ - between slashes", ErrConfig, cfg.Issuer)
	}
	if !cfg.AllowNonLoopback && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: issuer %q: the development provider signs anyone in without a password, so its host must be localhost or a loopback address (Config.AllowNonLoopback overrides this, dangerously)", ErrConfig, cfg.Issuer)
	}
	p := &Provider{issuer: issuer, prefix: u.EscapedPath(), clients: map[string]Client{}, ttl: cfg.TokenTTL, now: cfg.Now,
		requests: map[string]authRequest{}, codes: map[string]grant{}}
	if p.ttl <= 0 {
		p.ttl = DefaultTokenTTL
	}
	if p.now == nil {
		p.now = time.Now
	}
	if len(cfg.Clients) == 0 {
		return nil, fmt.Errorf("%w: no clients", ErrConfig)
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || strings.ContainsAny(c.ID, " \t\r\n:") {
			return nil, fmt.Errorf("%w: client id %q: want a non-empty id without spaces or colons", ErrConfig, c.ID)
		}
		if _, dup := p.clients[c.ID]; dup {
			return nil, fmt.Errorf("%w: client %q twice", ErrConfig, c.ID)
		}
		if len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("%w: client %q has no redirect URI", ErrConfig, c.ID)
		}
		for _, r := range c.RedirectURIs {
			ru, err := url.Parse(r)
			if err != nil || !ru.IsAbs() || ru.Host == "" || ru.Fragment != "" {
				return nil, fmt.Errorf("%w: client %q: redirect URI %q: want an absolute URL without fragment", ErrConfig, c.ID, r)
			}
		}
		p.clients[c.ID] = Client{ID: c.ID, RedirectURIs: slices.Clone(c.RedirectURIs)}
	}
	if len(cfg.Users) == 0 {
		return nil, fmt.Errorf("%w: no users", ErrConfig)
	}
	seen := map[string]bool{}
	for _, usr := range cfg.Users {
		if !subjectPattern.MatchString(usr.Subject) || seen[usr.Subject] {
			return nil, fmt.Errorf("%w: user subject %q: want 1–128 of A–Z a–z 0–9 . _ : @ -, each once", ErrConfig, usr.Subject)
		}
		seen[usr.Subject] = true
		if strings.TrimSpace(usr.Name) == "" {
			return nil, fmt.Errorf("%w: user %q has no name", ErrConfig, usr.Subject)
		}
		if err := (access.Principal{Subject: usr.Subject, Role: usr.Role, Municipality: usr.Municipality}).Validate(); err != nil {
			return nil, fmt.Errorf("%w: user %q: %v", ErrConfig, usr.Subject, err)
		}
		p.users = append(p.users, usr)
	}
	if p.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("devidp: signing key: %w", err)
	}
	p.keyID = uuid.NewString()
	jwk := jose.JSONWebKey{Key: p.key, KeyID: p.keyID, Algorithm: string(jose.ES256), Use: "sig"}
	if p.idSigner, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType("JWT")); err != nil {
		return nil, fmt.Errorf("devidp: signer: %w", err)
	}
	// RFC 9068: access tokens say what they are, so that an ID token is
	// never taken for one.
	if p.atSigner, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType("at+jwt")); err != nil {
		return nil, fmt.Errorf("devidp: signer: %w", err)
	}
	return p, nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Issuer is the issuer URL tokens carry (iss) and relying parties discover.
func (p *Provider) Issuer() string { return p.issuer }

// JWKSURL is the URL of the provider's public key set.
func (p *Provider) JWKSURL() string { return p.issuer + "/jwks" }

// Users returns the users who can sign in.
func (p *Provider) Users() []User { return slices.Clone(p.users) }

func (p *Provider) user(subject string) (User, bool) {
	for _, u := range p.users {
		if u.Subject == subject {
			return u, true
		}
	}
	return User{}, false
}

// Token mints an access token for the user subject with the given
// audience, as the token endpoint would: for tests and the command line's
// development sign-in.
func (p *Provider) Token(subject, audience string) (string, error) {
	u, ok := p.user(subject)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownUser, subject)
	}
	if audience == "" {
		return "", fmt.Errorf("devidp: token for %q: no audience", subject)
	}
	tok, _, err := p.accessToken(u, audience, "openid")
	return tok, err
}

// accessToken signs an access token of u for client.
func (p *Provider) accessToken(u User, client, scope string) (string, time.Time, error) {
	now := p.now()
	exp := now.Add(p.ttl)
	c := p.userClaims(u, client, now, exp)
	c.ClientID, c.Scope = client, scope
	tok, err := jwt.Signed(p.atSigner).Claims(c).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("devidp: sign access token: %w", err)
	}
	return tok, exp, nil
}

// idToken signs an ID token of u for client.
func (p *Provider) idToken(u User, g grant, accessToken string) (string, error) {
	now := p.now()
	c := p.userClaims(u, g.client, now, now.Add(p.ttl))
	c.Nonce, c.AZP, c.AuthTime = g.nonce, g.client, g.authTime.Unix()
	sum := sha256.Sum256([]byte(accessToken))
	c.AccessHash = base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	tok, err := jwt.Signed(p.idSigner).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("devidp: sign ID token: %w", err)
	}
	return tok, nil
}

func (p *Provider) userClaims(u User, audience string, now, exp time.Time) Claims {
	return Claims{
		Claims: jwt.Claims{Issuer: p.issuer, Subject: u.Subject, Audience: jwt.Audience{audience}, ID: uuid.NewString(),
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(exp)},
		Name: u.Name, Role: u.Role, Municipality: u.Municipality,
	}
}

// verifyAccessToken returns the claims of one of the provider's access
// tokens, checking signature, type, issuer and time.
func (p *Provider) verifyAccessToken(tok string) (Claims, error) {
	t, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return Claims{}, fmt.Errorf("devidp: access token: %w", err)
	}
	if len(t.Headers) != 1 || t.Headers[0].ExtraHeaders[jose.HeaderType] != "at+jwt" {
		return Claims{}, errors.New("devidp: not an access token (typ is not at+jwt)")
	}
	var c Claims
	if err := t.Claims(&p.key.PublicKey, &c); err != nil {
		return Claims{}, fmt.Errorf("devidp: access token: %w", err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: p.issuer, Time: p.now()}, 0); err != nil {
		return Claims{}, fmt.Errorf("devidp: access token: %w", err)
	}
	return c, nil
}

// random returns n random bytes in base64url.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sweep forgets expired requests and codes; p.mu is held.
func (p *Provider) sweep(now time.Time) {
	for k, r := range p.requests {
		if !now.Before(r.expires) {
			delete(p.requests, k)
		}
	}
	for k, g := range p.codes {
		if !now.Before(g.expires) {
			delete(p.codes, k)
		}
	}
}

// s256 is the PKCE S256 challenge of verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
