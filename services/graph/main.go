// Command graph runs the Samspill graph service on its own against an
// external NATS JetStream server: queries at samspill.query.* and over
// HTTP at /v1/maps and /v1/areas, with Prometheus metrics at GET /metrics
// and traces as the OTEL_* environment says. See README.md.
package main

import (
	"context"
	"log/slog"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/graph/graph"
)

func main() { daemon.Main("graph", "127.0.0.1:8082", run) }

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
	nc, key, err := f.Connect("samspill-graph")
	if err != nil {
		return err
	}
	defer nc.Close()
	metrics := telemetry.NewMetrics()
	r, err := graph.Boot(ctx, nc, graph.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Metrics: metrics})
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("graph service up", "nats", f.NATS, "http", f.HTTP)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(routes, metrics, telemetry.TracerProviderFrom(ctx)), func(ctx context.Context) error {
		if err := r.Stop(ctx); err != nil {
			logger.Warn("final snapshot", "err", err)
		}
		return nc.Drain()
	})
}
