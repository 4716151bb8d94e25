package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samspill/samspill/pkg/access"
)

// ErrCredential is the error of every credential that does not
// authenticate (401). The errors wrapping it say what is wrong, never the
// secret.
var ErrCredential = errors.New("auth: credential not valid")

// maxCredential bounds the length of a credential read.
const maxCredential = 16 << 10

// The methods of authentication, as the metrics name them.
const (
	methodToken     = "token"
	methodOIDC      = "oidc"
	methodAssertion = "assertion"
	methodUnknown   = "unknown"
)

// Authenticate returns the principal of a credential: an API token
// (ssp_…), an OpenID Connect token of the configured issuer, or an
// assertion this service signed (whose token, if it came from one, must
// still be live). It makes the service an access.Authenticator.
func (s *Service) Authenticate(ctx context.Context, credential string) (access.Principal, error) {
	return s.authenticate(ctx, credential, true)
}

func (s *Service) authenticate(ctx context.Context, credential string, assertions bool) (access.Principal, error) {
	method, p, err := s.check(ctx, credential, assertions)
	outcome := "ok"
	if err != nil {
		outcome = "refused"
	}
	s.auths.WithLabelValues(method, outcome).Inc()
	return p, err
}

func (s *Service) check(ctx context.Context, credential string, assertions bool) (string, access.Principal, error) {
	switch {
	case credential == "":
		return methodUnknown, access.Principal{}, fmt.Errorf("%w: none given", ErrCredential)
	case len(credential) > maxCredential:
		return methodUnknown, access.Principal{}, fmt.Errorf("%w: longer than 16 KiB", ErrCredential)
	case strings.HasPrefix(credential, TokenPrefix):
		p, err := s.authenticateToken(credential)
		return methodToken, p, err
	}
	iss, err := unverifiedIssuer(credential)
	if err != nil {
		return methodUnknown, access.Principal{}, err
	}
	if iss == access.Issuer {
		if !assertions {
			return methodAssertion, access.Principal{}, fmt.Errorf("%w: an assertion is not exchanged for another; exchange the API token or OpenID Connect token it came from", ErrCredential)
		}
		p, err := s.verifier.Verify(credential)
		if err != nil {
			return methodAssertion, access.Principal{}, fmt.Errorf("%w: %v", ErrCredential, err)
		}
		if p.Via == "token" && !s.tokenLive(p.Subject) {
			return methodAssertion, access.Principal{}, fmt.Errorf("%w: the assertion's API token was revoked or has expired", ErrCredential)
		}
		return methodAssertion, p, nil
	}
	if s.oidc == nil {
		return methodUnknown, access.Principal{}, fmt.Errorf("%w: not an API token or a Samspill assertion, and no OpenID Connect issuer is configured", ErrCredential)
	}
	p, err := s.oidc.authenticate(ctx, credential)
	return methodOIDC, p, err
}

// unverifiedIssuer reads the iss claim of a JWT without verifying it, only
// to choose how to verify it.
func unverifiedIssuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: neither an API token (%s…) nor a JWT", ErrCredential, TokenPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: the JWT's claims are not base64url", ErrCredential)
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", fmt.Errorf("%w: the JWT's claims are not a JSON object", ErrCredential)
	}
	return c.Iss, nil
}

// ExchangeRequest carries the credential to exchange.
type ExchangeRequest struct {
	Credential string `json:"credential"`
}

// Exchanged is a fresh assertion and the principal it asserts.
type Exchanged struct {
	Assertion string           `json:"assertion"`
	ExpiresAt time.Time        `json:"expiresAt"`
	Principal access.Principal `json:"principal"`
}

// Exchange turns an API token or OpenID Connect token into an assertion
// (valid access.AssertionTTL) that the other services verify. A
// credential that does not authenticate is an error wrapping
// ErrCredential (401); an assertion is not exchanged.
func (s *Service) Exchange(ctx context.Context, req ExchangeRequest) (*Exchanged, error) {
	p, err := s.authenticate(ctx, req.Credential, false)
	if err != nil {
		s.logger.Warn("exchange refused", "err", err)
		return nil, err
	}
	tok, exp, err := s.signer.Sign(p)
	if err != nil {
		return nil, fmt.Errorf("auth: sign assertion: %w", err)
	}
	return &Exchanged{Assertion: tok, ExpiresAt: exp.UTC().Truncate(time.Second), Principal: p}, nil
}
