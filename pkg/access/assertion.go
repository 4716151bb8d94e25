package access

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// Assertion tokens: issuer, audience and lifetime.
const (
	Issuer   = "samspill-access"
	Audience = "samspill-services"
	// AssertionTTL is how long an assertion holds. It bounds how long a
	// revoked API token or an ended session can still be used by a client
	// that already exchanged it.
	AssertionTTL = 2 * time.Minute
)

// ErrAssertion is the error of every assertion that does not verify.
var ErrAssertion = errors.New("access: assertion not valid")

type claims struct {
	jwt.Claims
	Role         Role     `json:"role"`
	Municipality string   `json:"mun,omitempty"`
	Grants       []string `json:"grants,omitempty"`
	Via          string   `json:"via,omitempty"`
}

// Signer makes assertions; only the access service holds one.
type Signer struct {
	key    ed25519.PrivateKey
	signer jose.Signer
	now    func() time.Time
}

// NewSigner returns a signer with key; now is the clock (nil: time.Now).
func NewSigner(key ed25519.PrivateKey, now func() time.Time) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("access: signing key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("access: signer: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, signer: s, now: now}, nil
}

// Sign returns an assertion of p (without its purpose, which each request
// names) and when it expires.
func (s *Signer) Sign(p Principal) (string, time.Time, error) {
	if err := p.Validate(); err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	exp := now.Add(AssertionTTL)
	c := claims{
		Claims: jwt.Claims{Issuer: Issuer, Subject: p.Subject, Audience: jwt.Audience{Audience}, ID: uuid.NewString(),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)), Expiry: jwt.NewNumericDate(exp)},
		Role: p.Role, Municipality: p.Municipality, Grants: p.Grants, Via: p.Via,
	}
	tok, err := jwt.Signed(s.signer).Claims(c).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("access: sign: %w", err)
	}
	return tok, exp, nil
}

// PublicKey is the key that verifies the signer's assertions.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Verifier returns a verifier of the signer's assertions on the same clock.
func (s *Signer) Verifier() *Verifier { return &Verifier{key: s.PublicKey(), now: s.now} }

// Verifier checks assertions with the access service's public key.
type Verifier struct {
	key ed25519.PublicKey
	now func() time.Time
}

// NewVerifier returns a verifier with the public key; now is the clock
// (nil: time.Now).
func NewVerifier(key ed25519.PublicKey, now func() time.Time) (*Verifier, error) {
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("access: public key has %d bytes, want %d", len(key), ed25519.PublicKeySize)
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{key: key, now: now}, nil
}

// Verify returns the principal token asserts, or an error wrapping
// ErrAssertion that says what is wrong (bad signature, expired, …).
func (v *Verifier) Verify(token string) (Principal, error) {
	if token == "" {
		return Principal{}, fmt.Errorf("%w: none given", ErrAssertion)
	}
	if len(token) > 8<<10 {
		return Principal{}, fmt.Errorf("%w: longer than 8 KiB", ErrAssertion)
	}
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrAssertion, err)
	}
	var c claims
	if err := t.Claims(v.key, &c); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrAssertion, err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: Issuer, AnyAudience: jwt.Audience{Audience}, Time: v.now()}, 0); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrAssertion, err)
	}
	if c.Expiry == nil {
		return Principal{}, fmt.Errorf("%w: no expiry", ErrAssertion)
	}
	p := Principal{Subject: c.Subject, Role: c.Role, Municipality: c.Municipality, Grants: c.Grants, Via: c.Via}
	if err := p.Validate(); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrAssertion, err)
	}
	return p, nil
}

// LoadOrCreateKey reads the Ed25519 signing key at path (PKCS #8 PEM),
// creating it, readable by the owner only, when there is none.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("access: generate key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("access: encode key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("access: key folder: %w", err)
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, fmt.Errorf("access: write key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("access: read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("access: %s is not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("access: %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("access: %s is not an Ed25519 key", path)
	}
	return key, nil
}

// MarshalPublicKey and ParsePublicKey write and read a public key as PEM
// (PKIX), the form the access service hands out.
func MarshalPublicKey(key ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("access: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey reads a PEM public key written by MarshalPublicKey.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("access: not a PEM public key")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("access: public key: %w", err)
	}
	key, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("access: public key is not Ed25519")
	}
	return key, nil
}
