// Command graph runs the Samspill graph service on its own against an
// external NATS JetStream server: queries at samspill.query.* and over
// HTTP at /v1/maps and /v1/areas, with Prometheus metrics at GET /metrics
// and traces as the OTEL_* environment says. Every query names its
// principal with an assertion of the access service (NATS header
// Samspill-Assertion, HTTP Authorization: Bearer), verified with the public
// key --access-key, and every decision about a map or an area is written
// to the audit stream SAMSPILL_AUDIT before it is answered. See README.md.
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
	"github.com/samspill/samspill/services/graph/graph"
)

func main() { daemon.Main("graph", "127.0.0.1:8082", run) }

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
	verifier, err := f.Verifier()
	if err != nil {
		return err
	}
	nc, key, err := f.Connect("samspill-graph")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("graph: jetstream: %w", err)
	}
	metrics := telemetry.NewMetrics()
	r, err := graph.Boot(ctx, nc, graph.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Metrics: metrics,
		Verifier: verifier, Audit: audit.NewWriter(js, "graph", nil), Partition: f.Partition()})
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("graph service up", "nats", f.NATS, "http", f.HTTP, "instance", f.Instance)
	// Every route but /metrics answers the principal of a bearer assertion.
	h := access.HTTP(verifier, routes)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(h, metrics, telemetry.TracerProviderFrom(ctx)), func(ctx context.Context) error {
		if err := r.Stop(ctx); err != nil {
			logger.Warn("final snapshot", "err", err)
		}
		return nc.Drain()
	})
}
