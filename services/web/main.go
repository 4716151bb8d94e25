// Command web runs Samspill's web application on its own against a NATS
// server where the command, graph, gap and render services answer:
//
//	web --nats nats://127.0.0.1:4222 --http 127.0.0.1:8086 \
//	    --oidc-issuer https://idp.example --oidc-client-id samspill-web \
//	    --oidc-redirect-url https://samspill.example/app/callback
//
// Users sign in with OpenID Connect; the access service answers
// samspill.auth.exchange. A client secret, if the provider gave one, is
// read from the file named by --oidc-client-secret-file. Sessions are kept
// in memory and end with the process. It stops cleanly on SIGINT or
// SIGTERM. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/web/web"
)

func main() {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	natsURL := fs.String("nats", nats.DefaultURL, "NATS server URL")
	addr := fs.String("http", "127.0.0.1:8086", "HTTP listen address")
	logJSON := fs.Bool("log-json", false, "log JSON lines instead of text")
	var oidc web.OIDC
	fs.StringVar(&oidc.Issuer, "oidc-issuer", "", "OpenID Connect issuer URL users sign in with (required)")
	fs.StringVar(&oidc.ClientID, "oidc-client-id", "samspill-web", "this application's client id at the provider")
	fs.StringVar(&oidc.RedirectURL, "oidc-redirect-url", "", "this application's callback as browsers reach it, e.g. https://samspill.example/app/callback (required)")
	fs.StringVar(&oidc.JWKSURL, "oidc-jwks-url", "", "read the ID tokens' keys here instead of the provider's jwks_uri")
	secretFile := fs.String("oidc-client-secret-file", "", "file with the client secret (empty: a public client with PKCE)")
	var dial daemon.Flags
	fs.StringVar(&dial.TLSCert, "tls-cert", "", "client certificate (PEM) for NATS over TLS; its subject names the NATS user")
	fs.StringVar(&dial.TLSKey, "tls-key", "", "the client certificate's private key (PEM)")
	fs.StringVar(&dial.TLSCA, "tls-ca", "", "CA certificate (PEM) that signed the NATS servers' certificates")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	logger := slog.New(telemetry.LogHandler(h))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dial.NATS = *natsURL
	if err := run(ctx, logger, dial, *addr, oidc, *secretFile); err != nil {
		logger.Error("web", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, dial daemon.Flags, addr string, oidc web.OIDC, secretFile string) error {
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return fmt.Errorf("client secret: %w", err)
		}
		oidc.ClientSecret = strings.TrimSpace(string(b))
	}
	// As its own NATS user, with its own reply inbox (see docs/security.md).
	nc, err := dial.Dial(natsperm.Web)
	if err != nil {
		return err
	}
	defer nc.Close()
	// The application's context ends before the HTTP server shuts down,
	// so that its live streams close and the shutdown does not wait on them.
	appCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := web.New(appCtx, nc, web.Options{Logger: logger, OIDC: oidc})
	if err != nil {
		return err
	}
	// Prometheus metrics at GET /metrics; traces where the OTEL_*
	// environment says, flushed when the server has stopped.
	tracing, err := telemetry.NewTracing(ctx, telemetry.TracingConfig{Service: "samspill-web"})
	if err != nil {
		return err
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tracing.Shutdown(flush); err != nil {
			logger.Warn("tracing shutdown", "err", err)
		}
	}()
	metrics := telemetry.NewMetrics()
	routes := srv.Routes()
	routes.Handle("GET /metrics", metrics.Handler())
	hs := &http.Server{Addr: addr, Handler: telemetry.HTTP(routes, metrics, tracing.Provider), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	logger.Info("web up", "http", addr, "nats", dial.NATS)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http %s: %w", addr, err)
		}
	}
	logger.Info("shutting down")
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := hs.Shutdown(shutdown); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	return nc.Drain()
}
