// Command auth runs Samspill's access service on its own against an
// external NATS JetStream server: it exchanges API tokens and OpenID
// Connect tokens for the short-lived assertions the other services verify
// (samspill.auth.exchange), hands out the public key they verify them with
// (samspill.auth.key, GET /v1/auth/key, and --public-key-out), manages API
// tokens and reads the audit trail for administrators, with Prometheus
// metrics at GET /metrics. It needs no master key. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/auth/auth"
)

type config struct {
	signingKey, publicKeyOut, bootstrapToken string
	oidc                                     auth.OIDCConfig
	auditMaxAge                              time.Duration
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var cfg config
	var audiences list
	flag.StringVar(&cfg.signingKey, "signing-key", "", "file with the Ed25519 signing key (PKCS #8 PEM), created readable by the owner only if missing (required)")
	flag.StringVar(&cfg.publicKeyOut, "public-key-out", "", "write the public key (PEM) here on start, for the other services' --access-key")
	flag.StringVar(&cfg.oidc.Issuer, "oidc-issuer", "", "OpenID Connect issuer URL whose tokens are accepted (empty: API tokens only)")
	flag.StringVar(&cfg.oidc.JWKSURL, "oidc-jwks", "", "the issuer's JWKS URL (empty: found by discovery)")
	flag.Var(&audiences, "oidc-audience", "a client id the issuer's tokens must be issued to (repeatable; one at least with --oidc-issuer)")
	flag.StringVar(&cfg.oidc.RoleClaim, "oidc-role-claim", auth.DefaultRoleClaim, "claim naming the Samspill role")
	flag.StringVar(&cfg.oidc.MunicipalityClaim, "oidc-municipality-claim", auth.DefaultMunicipalityClaim, "claim naming the four-digit municipality")
	flag.StringVar(&cfg.oidc.GrantsClaim, "oidc-grants-claim", "", "claim listing an integration's grants (empty: none from OIDC)")
	flag.StringVar(&cfg.bootstrapToken, "bootstrap-admin-token", "", "on a first start with no API tokens, issue an administrator's token and write it to this file (mode 0600)")
	flag.DurationVar(&cfg.auditMaxAge, "audit-max-age", 0, "how long the audit trail is kept, e.g. 87600h (0: for ever)")
	daemon.Main("auth", "127.0.0.1:8085", func(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
		cfg.oidc.Audiences = audiences
		return run(ctx, logger, f, cfg)
	})
}

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags, cfg config) error {
	if cfg.signingKey == "" {
		return errors.New("--signing-key is required: the file of the key that signs assertions (created if missing)")
	}
	key, err := access.LoadOrCreateKey(cfg.signingKey)
	if err != nil {
		return err
	}
	signer, err := access.NewSigner(key, nil)
	if err != nil {
		return err
	}
	opts := auth.Options{Signer: signer, Replicas: f.Replicas, AuditMaxAge: cfg.auditMaxAge, Logger: logger}
	if cfg.oidc.Issuer != "" {
		opts.OIDC = &cfg.oidc
	} else if cfg.oidc.JWKSURL != "" || len(cfg.oidc.Audiences) > 0 {
		return errors.New("--oidc-jwks and --oidc-audience need --oidc-issuer")
	}
	if cfg.publicKeyOut != "" {
		pem, err := access.MarshalPublicKey(signer.PublicKey())
		if err != nil {
			return err
		}
		if err := writeFile(cfg.publicKeyOut, pem, 0o644); err != nil {
			return fmt.Errorf("--public-key-out: %w", err)
		}
	}
	nc, err := f.Dial(auth.User)
	if err != nil {
		return err
	}
	defer nc.Close()
	metrics := telemetry.NewMetrics()
	opts.Metrics = metrics
	r, err := auth.Boot(ctx, nc, opts)
	if err != nil {
		return err
	}
	if cfg.bootstrapToken != "" {
		if err := bootstrap(ctx, logger, r.Service, cfg.bootstrapToken); err != nil {
			r.Stop()
			return err
		}
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	// Standalone, the service is its own authenticator: bearer API
	// tokens, OpenID Connect tokens and assertions.
	handler := access.HTTP(r.Service, routes)
	logger.Info("auth service up", "nats", f.NATS, "http", f.HTTP, "subjects", auth.SubjectPrefix+".>", "oidc", cfg.oidc.Issuer)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(handler, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}

// bootstrap issues an administrator's token into path when the bucket
// holds no tokens at all. The file is created (never overwritten) before
// the token is issued, so that no token is issued that nobody can read.
func bootstrap(ctx context.Context, logger *slog.Logger, svc *auth.Service, path string) error {
	if n := svc.TokenCount(); n > 0 {
		logger.Info("API tokens exist; no bootstrap token issued", "tokens", n, "file", path)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("--bootstrap-admin-token: %w", err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("--bootstrap-admin-token: %w (there are no tokens: remove the old file to issue a new one)", err)
	}
	tok, err := svc.Bootstrap(ctx, auth.TokenSpec{Name: "bootstrap administrator", Role: access.Admin})
	if err == nil {
		_, err = fh.WriteString(tok + "\n")
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("--bootstrap-admin-token: %w", err)
	}
	logger.Info("bootstrap administrator token written", "file", path)
	return nil
}

// writeFile writes b to path with perm, creating its folder.
func writeFile(path string, b []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, perm)
}
