package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/nationalid"
)

// rediscover is the shortest time between two discovery attempts after
// one failed.
const rediscover = 10 * time.Second

// signingAlgs are the algorithms accepted from an issuer whose keys are
// given without discovery (with discovery: those it names): asymmetric
// ones only.
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// oidcVerifier checks tokens of the configured issuer with go-oidc.
type oidcVerifier struct {
	cfg OIDCConfig
	now func() time.Time
	// client fetches discovery and keys; ctx carries it for go-oidc's
	// key set, which outlives any request.
	client *http.Client
	ctx    context.Context

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	tried    time.Time
	err      error
}

func newOIDCVerifier(cfg OIDCConfig, now func() time.Time) (*oidcVerifier, error) {
	if u, err := url.Parse(cfg.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("auth: OIDC issuer %q is not an http(s) URL", cfg.Issuer)
	}
	if cfg.JWKSURL != "" {
		if u, err := url.Parse(cfg.JWKSURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("auth: OIDC JWKS URL %q is not an http(s) URL", cfg.JWKSURL)
		}
	}
	cfg.Audiences = slices.DeleteFunc(slices.Clone(cfg.Audiences), func(a string) bool { return a == "" })
	if len(cfg.Audiences) == 0 {
		return nil, errors.New("auth: OIDC needs at least one audience (the client id its tokens are issued to)")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultRoleClaim
	}
	if cfg.MunicipalityClaim == "" {
		cfg.MunicipalityClaim = DefaultMunicipalityClaim
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &oidcVerifier{cfg: cfg, now: now, client: client, ctx: oidc.ClientContext(context.Background(), client)}, nil
}

// get returns the go-oidc verifier, discovering the issuer's keys first
// when no JWKS URL was given (again, at most every 10 s, after a failure).
func (o *oidcVerifier) get(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if o.err != nil && time.Since(o.tried) < rediscover {
		return nil, o.err
	}
	cfg := &oidc.Config{Now: o.now}
	if len(o.cfg.Audiences) == 1 {
		cfg.ClientID = o.cfg.Audiences[0]
	} else {
		cfg.SkipClientIDCheck = true // checked against every audience in authenticate
	}
	if o.cfg.JWKSURL != "" {
		cfg.SupportedSigningAlgs = signingAlgs
		o.verifier = oidc.NewVerifier(o.cfg.Issuer, oidc.NewRemoteKeySet(o.ctx, o.cfg.JWKSURL), cfg)
		return o.verifier, nil
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, o.cfg.Issuer)
	o.tried = time.Now()
	if err != nil {
		o.err = fmt.Errorf("%w: OpenID Connect discovery at %s failed: %v", ErrCredential, o.cfg.Issuer, err)
		return nil, o.err
	}
	o.err = nil
	o.verifier = p.VerifierContext(o.ctx, cfg)
	return o.verifier, nil
}

// authenticate verifies a token of the issuer (signature against its
// JWKS, iss, aud, exp) and maps its claims to a principal: sub (never a
// national identity number), the role and municipality claims, and an
// integration's grants.
func (o *oidcVerifier) authenticate(ctx context.Context, raw string) (access.Principal, error) {
	v, err := o.get(ctx)
	if err != nil {
		return access.Principal{}, err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %v", ErrCredential, err)
	}
	if len(o.cfg.Audiences) > 1 && !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(o.cfg.Audiences, a) }) {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: issued to %q, not to one of %q", ErrCredential, tok.Audience, o.cfg.Audiences)
	}
	if _, ok := nationalid.Contains(tok.Subject); ok {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: its sub looks like a national identity number; the issuer must give a pseudonymous subject", ErrCredential)
	}
	if strings.HasPrefix(tok.Subject, TokenSubjectPrefix) {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: a sub beginning %q is kept for API tokens", ErrCredential, TokenSubjectPrefix)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: claims: %v", ErrCredential, err)
	}
	p := access.Principal{Subject: tok.Subject, Via: "oidc"}
	role, ok := claims[o.cfg.RoleClaim].(string)
	if !ok {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: no %s claim (a string naming the Samspill role)", ErrCredential, o.cfg.RoleClaim)
	}
	p.Role = access.Role(role)
	if !p.Role.Valid() {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %s %q is not one of %v", ErrCredential, o.cfg.RoleClaim, role, access.Roles())
	}
	if m, present := claims[o.cfg.MunicipalityClaim]; present {
		if p.Municipality, ok = m.(string); !ok {
			return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %s is not a string (a four-digit municipality number)", ErrCredential, o.cfg.MunicipalityClaim)
		}
	}
	if o.cfg.GrantsClaim != "" {
		switch g := claims[o.cfg.GrantsClaim].(type) {
		case nil:
		case string:
			p.Grants = strings.Fields(g)
		case []any:
			for _, x := range g {
				s, ok := x.(string)
				if !ok {
					return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %s holds a value that is not a string", ErrCredential, o.cfg.GrantsClaim)
				}
				p.Grants = append(p.Grants, s)
			}
		default:
			return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %s is not a list of strings", ErrCredential, o.cfg.GrantsClaim)
		}
	}
	if err := p.Validate(); err != nil {
		return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %v", ErrCredential, err)
	}
	for _, g := range p.Grants {
		if err := adminOnly(g); err != nil {
			return access.Principal{}, fmt.Errorf("%w: OpenID Connect token: %s: %v", ErrCredential, o.cfg.GrantsClaim, err)
		}
	}
	return p, nil
}
