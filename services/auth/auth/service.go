package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Names of the service on NATS and in the audit trail.
const (
	// User is the service's NATS user, client name and micro service name.
	User         = "samspill-auth"
	MicroVersion = "1.0.0"
	// AuditService is the Service of the audit records the service writes.
	AuditService = "auth"
	// Bucket is the key-value bucket of the API tokens (key: token id).
	Bucket = "SAMSPILL_TOKENS"
)

// Options configure the service.
type Options struct {
	// Signer signs the assertions; it holds the service's Ed25519 key.
	// Required.
	Signer *access.Signer
	// OIDC is the OpenID Connect issuer whose tokens are accepted; nil:
	// none (API tokens and assertions only).
	OIDC *OIDCConfig
	// Replicas of the audit stream and the token bucket: 1 on a single
	// node, 3 in a cluster (default 1).
	Replicas int
	// AuditMaxAge is how long the audit trail is kept (zero: for ever).
	AuditMaxAge time.Duration
	Logger      *slog.Logger
	// Metrics counts authentications by method and outcome; nil: none.
	Metrics *telemetry.Metrics
	// Now is the clock of token expiry (nil: time.Now). Assertions are
	// signed on the Signer's own clock.
	Now func() time.Time
}

// OIDCConfig is the one OpenID Connect issuer the service trusts.
type OIDCConfig struct {
	// Issuer is the issuer URL, exactly as in its tokens' iss claim.
	Issuer string
	// JWKSURL is where the issuer's signing keys are (its jwks_uri).
	// Empty: found by discovery (Issuer + /.well-known/openid-configuration)
	// on the first token; given, no discovery round trip is needed.
	JWKSURL string
	// Audiences are the client ids a token must be issued to (its aud
	// claim must contain one). At least one is required.
	Audiences []string
	// RoleClaim names the claim with the Samspill role (default
	// samspill_role); MunicipalityClaim the one with the four-digit
	// municipality (default samspill_municipality); GrantsClaim the one
	// with an integration's grants, a list of strings or one string
	// separated by spaces (empty: no grants from OIDC).
	RoleClaim         string
	MunicipalityClaim string
	GrantsClaim       string
	// HTTPClient fetches discovery and keys (nil: a client with a
	// 10-second timeout), e.g. one trusting a private CA.
	HTTPClient *http.Client
}

// Default claim names.
const (
	DefaultRoleClaim         = "samspill_role"
	DefaultMunicipalityClaim = "samspill_municipality"
)

// Service is the access service.
type Service struct {
	opts     Options
	js       jetstream.JetStream
	kv       jetstream.KeyValue
	signer   *access.Signer
	verifier *access.Verifier
	audit    *audit.Writer
	guard    *access.Guard
	oidc     *oidcVerifier
	logger   *slog.Logger
	now      func() time.Time
	auths    *prometheus.CounterVec

	mu     sync.RWMutex
	tokens map[string]record // live records by id (expired ones too)
	revs   map[string]uint64 // last revision seen per id, deletions included

	watcher jetstream.KeyWatcher
	stop    context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// New creates or updates the audit stream and the token bucket, loads the
// tokens and keeps following the bucket, and returns the service. Stop it
// with Stop.
func New(ctx context.Context, js jetstream.JetStream, opts Options) (*Service, error) {
	if opts.Signer == nil {
		return nil, errors.New("auth: Options.Signer is required: the key that signs assertions")
	}
	if opts.Replicas < 1 {
		opts.Replicas = 1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, js: js, signer: opts.Signer, verifier: opts.Signer.Verifier(), logger: opts.Logger, now: opts.Now,
		tokens: map[string]record{}, revs: map[string]uint64{}, done: make(chan struct{})}
	if opts.OIDC != nil {
		v, err := newOIDCVerifier(*opts.OIDC, opts.Now)
		if err != nil {
			return nil, err
		}
		s.oidc = v
	}
	if _, err := audit.EnsureStream(ctx, js, opts.Replicas, opts.AuditMaxAge); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s.audit = audit.NewWriter(js, AuditService, nil)
	s.guard = access.NewGuard(s.audit, nil, opts.Logger)
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "Samspill API tokens: role, municipality, grants, expiry and the SHA-256 of the secret (services/auth)",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: bucket %s: %w", Bucket, err)
	}
	s.kv = kv
	s.auths = authCounter(opts.Metrics)
	if err := s.watch(ctx); err != nil {
		return nil, err
	}
	if s.oidc != nil {
		// Discovery now, so that a wrong issuer shows in the log at
		// start; a failure is retried on the first token.
		if _, err := s.oidc.get(ctx); err != nil {
			s.logger.Warn("OpenID Connect issuer not reachable yet; its tokens are refused until it is", "issuer", opts.OIDC.Issuer, "err", err)
		}
	}
	return s, nil
}

// watch loads the bucket into memory and keeps it current.
func (s *Service) watch(ctx context.Context) error {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w, err := s.kv.WatchAll(wctx)
	if err != nil {
		cancel()
		return fmt.Errorf("auth: watch %s: %w", Bucket, err)
	}
	s.watcher, s.stop = w, cancel
	loaded := make(chan struct{})
	go func() {
		defer close(s.done)
		first := true
		for e := range w.Updates() {
			if e == nil {
				if first {
					first = false
					close(loaded)
				}
				continue
			}
			s.apply(e.Key(), e.Revision(), e.Operation(), e.Value())
		}
		if first {
			close(loaded)
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		s.Stop()
		return fmt.Errorf("auth: load %s: %w", Bucket, ctx.Err())
	}
}

// apply takes one revision of a token's key into memory, unless a later
// one is already there.
func (s *Service) apply(id string, rev uint64, op jetstream.KeyValueOp, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev <= s.revs[id] {
		return
	}
	s.revs[id] = rev
	if op != jetstream.KeyValuePut {
		delete(s.tokens, id)
		return
	}
	var r record
	if err := json.Unmarshal(value, &r); err != nil || r.ID != id {
		delete(s.tokens, id)
		s.logger.Error("token record not readable; the token is refused", "id", id, "rev", rev, "err", err)
		return
	}
	s.tokens[id] = r
}

// Stop stops following the bucket. Calling it again does nothing.
func (s *Service) Stop() {
	s.once.Do(func() {
		if s.watcher != nil {
			_ = s.watcher.Stop()
		}
		if s.stop != nil {
			s.stop()
		}
		<-s.done
	})
}

// Verifier returns the verifier of the service's assertions.
func (s *Service) Verifier() *access.Verifier { return s.verifier }

// PublicKeyPEM returns the public key that verifies the service's
// assertions, as PEM: what the other services take as --access-key.
func (s *Service) PublicKeyPEM() ([]byte, error) {
	return access.MarshalPublicKey(s.signer.PublicKey())
}

// Running is a booted access service.
type Running struct {
	Service *Service
	Micro   micro.Service
}

// Boot starts the service on nc (as the NATS user samspill-auth): the
// audit stream and token bucket created or updated, the tokens loaded and
// followed, and the micro service samspill-auth registered with its
// endpoints under samspill.auth. Stop it with Stop.
func Boot(ctx context.Context, nc *nats.Conn, opts Options) (*Running, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("auth: jetstream: %w", err)
	}
	svc, err := New(ctx, js, opts)
	if err != nil {
		return nil, err
	}
	m, err := svc.AddMicro(ctx, nc)
	if err != nil {
		svc.Stop()
		return nil, err
	}
	return &Running{Service: svc, Micro: m}, nil
}

// Stop stops answering, then stops the service.
func (r *Running) Stop() {
	_ = r.Micro.Stop()
	r.Service.Stop()
}

// authCounter registers samspill_auth_authentications_total on m (or
// finds it there, when a second service shares the registry).
func authCounter(m *telemetry.Metrics) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: telemetry.Namespace, Name: "auth_authentications_total",
		Help: "Credentials the access service checked, by method (token, oidc, assertion, unknown) and outcome (ok, refused).",
	}, []string{"method", "outcome"})
	if m == nil {
		return c
	}
	if err := m.Registry().Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	return c
}
