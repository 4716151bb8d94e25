// Command command runs the Samspill command service on its own, against an
// external NATS JetStream server: NATS micro endpoints at samspill.cmd.*
// and HTTP at /v1/commands/{name}, with Prometheus metrics at GET /metrics
// and traces as the OTEL_* environment says. Every request names its
// principal with an assertion of the access service, verified with the
// public key of --access-key (a NATS header, or an HTTP Bearer token), and
// every decision is written to the audit stream. See README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/command/command"
)

func main() { daemon.Main("command", "127.0.0.1:8081", run) }

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
	verifier, err := f.Verifier()
	if err != nil {
		return err
	}
	nc, key, err := f.Connect("samspill-command")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	metrics := telemetry.NewMetrics()
	r, err := command.Boot(ctx, nc, command.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Metrics: metrics,
		Verifier: verifier, Audit: audit.NewWriter(js, "command", nil)})
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	// Bearer assertions are verified in front of telemetry.HTTP, which must
	// hand the mux its own request to learn the route pattern.
	h := access.HTTP(verifier, telemetry.HTTP(routes, metrics, telemetry.TracerProviderFrom(ctx)))
	logger.Info("command service up", "nats", f.NATS, "http", f.HTTP)
	return daemon.Serve(ctx, logger, f.HTTP, h, func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
