package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/nationalid"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/query"
)

// API tokens: ssp_<id>_<secret>, the id 16 random bytes in lower-case
// hex, the secret 32 random bytes in unpadded base64url.
const (
	TokenPrefix = "ssp_"
	idBytes     = 16
	secretBytes = 32
	tokenLen    = len(TokenPrefix) + 2*idBytes + 1 + 43
	// TokenSubjectPrefix is the start of a token principal's subject:
	// token:<id>.
	TokenSubjectPrefix = "token:"
)

// Token lifetimes.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 365 * 24 * time.Hour
)

var (
	idPattern           = regexp.MustCompile(`^[0-9a-f]{32}$`)
	municipalityPattern = regexp.MustCompile(`^[0-9]{4}$`)
	secretEncoding      = base64.RawURLEncoding.Strict()
)

// formatToken returns the token of id and secret.
func formatToken(id string, secret []byte) string {
	return TokenPrefix + id + "_" + secretEncoding.EncodeToString(secret)
}

// parseToken splits an API token into its id and secret. It accepts
// exactly what formatToken makes, and its errors never repeat the secret.
func parseToken(s string) (id string, secret []byte, err error) {
	if !strings.HasPrefix(s, TokenPrefix) {
		return "", nil, fmt.Errorf("%w: an API token begins with %s", ErrCredential, TokenPrefix)
	}
	if len(s) != tokenLen {
		return "", nil, fmt.Errorf("%w: an API token has %d characters, this one %d", ErrCredential, tokenLen, len(s))
	}
	rest := s[len(TokenPrefix):]
	id, enc, ok := strings.Cut(rest, "_")
	if !ok || !idPattern.MatchString(id) {
		return "", nil, fmt.Errorf("%w: an API token is %s<32 hex digits>_<secret>", ErrCredential, TokenPrefix)
	}
	secret, err = secretEncoding.DecodeString(enc)
	if err != nil || len(secret) != secretBytes {
		return "", nil, fmt.Errorf("%w: API token %s: the secret is not 32 bytes of unpadded base64url", ErrCredential, id)
	}
	return id, secret, nil
}

// newID draws a token id. The id is part of the token's subject
// ("token:<id>"), which no national identity number may be in: about one
// random id in a few thousand has a run of digits that reads as one, and
// its principal would be refused, so such an id is drawn again.
func newID() (string, error) {
	b := make([]byte, idBytes)
	for {
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("auth: token id: %w", err)
		}
		id := hex.EncodeToString(b)
		if _, looks := nationalid.Contains(id); !looks {
			return id, nil
		}
	}
}

// record is a token as the bucket holds it: never the secret, only its
// SHA-256.
type record struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Role         access.Role `json:"role"`
	Municipality string      `json:"municipality,omitempty"`
	Grants       []string    `json:"grants,omitempty"`
	CreatedAt    time.Time   `json:"createdAt"`
	CreatedBy    string      `json:"createdBy"`
	ExpiresAt    time.Time   `json:"expiresAt"`
	SecretSHA256 []byte      `json:"secretSha256"`
}

func (r record) principal() access.Principal {
	return access.Principal{Subject: TokenSubjectPrefix + r.ID, Role: r.Role, Municipality: r.Municipality, Grants: slices.Clone(r.Grants), Via: "token"}
}

func (r record) public(now time.Time) Token {
	return Token{ID: r.ID, Name: r.Name, Role: r.Role, Municipality: r.Municipality, Grants: slices.Clone(r.Grants),
		Subject: TokenSubjectPrefix + r.ID, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, ExpiresAt: r.ExpiresAt, Expired: !now.Before(r.ExpiresAt)}
}

// TokenSpec is what a new API token is for.
type TokenSpec struct {
	// Name says whose or what the token is (1–100 characters; no
	// national identity numbers).
	Name string      `json:"name"`
	Role access.Role `json:"role"`
	// Municipality binds the token's principal to one municipality;
	// required for an analyst.
	Municipality string `json:"municipality,omitempty"`
	// Grants are an integration's resource subjects (only for an
	// integration, which needs one at least).
	Grants []string `json:"grants,omitempty"`
	// ExpiresAt is when the token stops working: default 90 days from
	// now, at most 365.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Token is an API token as administrators see it: never its secret.
type Token struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Role         access.Role `json:"role"`
	Municipality string      `json:"municipality,omitempty"`
	Grants       []string    `json:"grants,omitempty"`
	// Subject is the principal's subject in assertions and the audit
	// trail: token:<id>.
	Subject   string    `json:"subject"`
	CreatedAt time.Time `json:"createdAt"`
	// CreatedBy is the subject of the administrator who created it, or
	// "bootstrap".
	CreatedBy string    `json:"createdBy"`
	ExpiresAt time.Time `json:"expiresAt"`
	Expired   bool      `json:"expired"`
}

// CreatedToken is a new token: the only time its credential is shown.
type CreatedToken struct {
	// Credential is the token itself, ssp_<id>_<secret>.
	Credential string `json:"token"`
	Token
}

// TokenList is every token in the bucket, oldest first.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// RevokeRequest names the token to revoke.
type RevokeRequest struct {
	ID string `json:"id"`
}

// Revoked answers a revocation.
type Revoked struct {
	ID      string `json:"id"`
	Revoked bool   `json:"revoked"`
}

// Operations of the token endpoints, as the audit trail names them.
const (
	OpTokensCreate = "auth.tokens.create"
	OpTokensList   = "auth.tokens.list"
	OpTokensRevoke = "auth.tokens.revoke"
	OpBootstrap    = "auth.tokens.bootstrap"
)

// CreateToken issues a token for an administrator (the principal ctx
// carries); it is refused with 401 or 403 otherwise, and audited either
// way. The answer holds the credential, which is not stored.
func (s *Service) CreateToken(ctx context.Context, spec TokenSpec) (*CreatedToken, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	p, err := s.guard.Check(ctx, OpTokensCreate, access.Manage, access.Resource{Kind: access.KindTokens, ID: id})
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, id, spec, p.Subject)
}

// Bootstrap issues a token without a principal: for the process owner at
// start (samspill up gives its tests and the demo an administrator's
// token this way). It is not reachable over NATS or HTTP. The act is
// audited as the service itself (subject samspill-auth).
func (s *Service) Bootstrap(ctx context.Context, spec TokenSpec) (string, error) {
	id, err := newID()
	if err != nil {
		return "", err
	}
	if err := validateSpec(&spec, s.now()); err != nil {
		return "", err
	}
	if err := s.audit.Write(ctx, audit.Record{Subject: User, Role: "service", Via: "bootstrap", Purpose: string(access.PurposeSysAdmin),
		Operation: OpBootstrap, Action: string(access.Manage), Kind: string(access.KindTokens), Resource: id, Outcome: audit.Allowed}); err != nil {
		return "", fmt.Errorf("%w: %v", access.ErrAuditUnavailable, err)
	}
	c, err := s.issue(ctx, id, spec, "bootstrap")
	if err != nil {
		return "", err
	}
	return c.Credential, nil
}

func (s *Service) issue(ctx context.Context, id string, spec TokenSpec, by string) (*CreatedToken, error) {
	now := s.now()
	if err := validateSpec(&spec, now); err != nil {
		return nil, err
	}
	secret := make([]byte, secretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("auth: token secret: %w", err)
	}
	sum := sha256.Sum256(secret)
	r := record{ID: id, Name: spec.Name, Role: spec.Role, Municipality: spec.Municipality, Grants: spec.Grants,
		CreatedAt: now.UTC().Truncate(time.Second), CreatedBy: by, ExpiresAt: spec.ExpiresAt.UTC(), SecretSHA256: sum[:]}
	if err := r.principal().Validate(); err != nil {
		return nil, unprocessable("", "invalid", "%v", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("auth: encode token: %w", err)
	}
	rev, err := s.kv.Create(ctx, id, b)
	if err != nil {
		return nil, fmt.Errorf("auth: store token: %w", err)
	}
	s.apply(id, rev, jetstream.KeyValuePut, b)
	s.logger.Info("API token issued", "id", id, "role", r.Role, "municipality", r.Municipality, "by", by, "expires", r.ExpiresAt)
	return &CreatedToken{Credential: formatToken(id, secret), Token: r.public(now)}, nil
}

// validateSpec checks spec field by field (422 naming the field) and
// fills in the default expiry.
func validateSpec(spec *TokenSpec, now time.Time) error {
	spec.Name = strings.TrimSpace(spec.Name)
	switch n := utf8.RuneCountInString(spec.Name); {
	case n == 0:
		return unprocessable("name", "invalid", "a token needs a name (1–100 characters) saying whose or what it is")
	case n > 100 || !utf8.ValidString(spec.Name):
		return unprocessable("name", "invalid", "at most 100 characters of UTF-8")
	case strings.ContainsFunc(spec.Name, unicode.IsControl):
		return unprocessable("name", "invalid", "no control characters")
	}
	if err := nationalid.Check("name", spec.Name); err != nil {
		return unprocessable("name", "national-id", "%v", err)
	}
	if !spec.Role.Valid() {
		return unprocessable("role", "invalid", "%q is not one of %v", spec.Role, access.Roles())
	}
	if spec.Municipality != "" && !municipalityPattern.MatchString(spec.Municipality) {
		return unprocessable("municipality", "invalid", "%q is not a four-digit municipality number", spec.Municipality)
	}
	if spec.Role == access.Analyst && spec.Municipality == "" {
		return unprocessable("municipality", "invalid", "an analyst is bound to one municipality")
	}
	switch {
	case spec.Role != access.Integration && len(spec.Grants) > 0:
		return unprocessable("grants", "invalid", "only an integration has grants")
	case spec.Role == access.Integration && len(spec.Grants) == 0:
		return unprocessable("grants", "invalid", "an integration reads only what its grants cover: give one at least, e.g. area.0301.read")
	case len(spec.Grants) > 100:
		return unprocessable("grants", "invalid", "at most 100 grants")
	}
	for _, g := range spec.Grants {
		p := access.Principal{Subject: "x", Role: access.Integration, Grants: []string{g}}
		if err := p.Validate(); err != nil {
			return unprocessable("grants", "invalid", "%q is not a resource subject (tokens separated by dots, * and > as wildcards)", g)
		}
		if err := adminOnly(g); err != nil {
			return unprocessable("grants", "invalid", "%v", err)
		}
	}
	switch {
	case spec.ExpiresAt.IsZero():
		spec.ExpiresAt = now.Add(DefaultTokenTTL)
	case !spec.ExpiresAt.After(now):
		return unprocessable("expiresAt", "invalid", "%s is not in the future", spec.ExpiresAt.Format(time.RFC3339))
	case spec.ExpiresAt.After(now.Add(MaxTokenTTL)):
		return unprocessable("expiresAt", "invalid", "at most 365 days from now")
	}
	spec.ExpiresAt = spec.ExpiresAt.Truncate(time.Second)
	return nil
}

// ListTokens lists every token for an administrator (audited), never a
// secret.
func (s *Service) ListTokens(ctx context.Context) (*TokenList, error) {
	if _, err := s.guard.Check(ctx, OpTokensList, access.Read, access.Tokens); err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.RLock()
	out := &TokenList{Tokens: make([]Token, 0, len(s.tokens))}
	for _, r := range s.tokens {
		out.Tokens = append(out.Tokens, r.public(now))
	}
	s.mu.RUnlock()
	slices.SortFunc(out.Tokens, func(a, b Token) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeToken deletes a token for an administrator (audited). It stops
// working at once on this instance, and on the others as soon as their
// watch of the bucket delivers the deletion; assertions it was exchanged
// for hold until they expire (access.AssertionTTL) at services other
// than this one.
func (s *Service) RevokeToken(ctx context.Context, req RevokeRequest) (*Revoked, error) {
	if _, err := s.guard.Check(ctx, OpTokensRevoke, access.Manage, access.Resource{Kind: access.KindTokens, ID: auditID(req.ID)}); err != nil {
		return nil, err
	}
	if !idPattern.MatchString(req.ID) {
		return nil, query.Invalid("id", "a token id is 32 lower-case hex digits")
	}
	e, err := s.kv.Get(ctx, req.ID)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, query.NotFound("id", "no token %s (never issued, or revoked already)", req.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read token %s: %w", req.ID, err)
	}
	if err := s.kv.Delete(ctx, req.ID, jetstream.LastRevision(e.Revision())); err != nil {
		return nil, fmt.Errorf("auth: revoke token %s: %w", req.ID, err)
	}
	// At once here; any revision up to the one deleted is stale from now
	// on, should the watch still deliver it.
	s.mu.Lock()
	delete(s.tokens, req.ID)
	s.revs[req.ID] = max(s.revs[req.ID], e.Revision())
	s.mu.Unlock()
	s.logger.Info("API token revoked", "id", req.ID)
	return &Revoked{ID: req.ID, Revoked: true}, nil
}

// adminOnly refuses a grant that would let an integration read what only
// an administrator may: the audit trail and the API tokens (a grant such
// as > or *.read covers them).
func adminOnly(grant string) error {
	for _, r := range []access.Resource{access.Audit, access.Tokens} {
		if natsperm.Covers(grant, r.Subject(access.Read)) {
			return fmt.Errorf("%q covers %s, which only an administrator reads; grant the areas, bundles or maps meant (e.g. area.0301.read)", grant, r.Subject(access.Read))
		}
	}
	return nil
}

// auditID is a token id fit for the audit trail: the id when it is one,
// otherwise "invalid".
func auditID(id string) string {
	if idPattern.MatchString(id) {
		return id
	}
	return "invalid"
}

// TokenCount is how many tokens the bucket holds (expired ones too), for
// the process owner deciding whether to Bootstrap.
func (s *Service) TokenCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.tokens)
}

// authenticateToken checks an API token: known, not expired, and its
// secret's SHA-256 equal (in constant time) to the one stored.
func (s *Service) authenticateToken(credential string) (access.Principal, error) {
	id, secret, err := parseToken(credential)
	if err != nil {
		return access.Principal{}, err
	}
	s.mu.RLock()
	r, ok := s.tokens[id]
	_, seen := s.revs[id]
	s.mu.RUnlock()
	switch {
	case !ok && seen:
		return access.Principal{}, fmt.Errorf("%w: API token %s was revoked", ErrCredential, id)
	case !ok:
		return access.Principal{}, fmt.Errorf("%w: API token %s is not known", ErrCredential, id)
	}
	sum := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(sum[:], r.SecretSHA256) != 1 {
		return access.Principal{}, fmt.Errorf("%w: API token %s: the secret is wrong", ErrCredential, id)
	}
	if !s.now().Before(r.ExpiresAt) {
		return access.Principal{}, fmt.Errorf("%w: API token %s expired at %s", ErrCredential, id, r.ExpiresAt.Format(time.RFC3339))
	}
	return r.principal(), nil
}

// tokenLive reports whether the token of a token principal's subject is
// still known and not expired.
func (s *Service) tokenLive(subject string) bool {
	id, ok := strings.CutPrefix(subject, TokenSubjectPrefix)
	if !ok {
		return false
	}
	s.mu.RLock()
	r, ok := s.tokens[id]
	s.mu.RUnlock()
	return ok && s.now().Before(r.ExpiresAt)
}

// Error is a refused request with its HTTP status (400, 404, 422); over
// NATS its JSON body is {code, field, message}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Code + ": " + e.Message
	}
	return e.Code + ": " + e.Field + ": " + e.Message
}

func unprocessable(field, code, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}
