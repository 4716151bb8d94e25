// Command command runs the Samspill command service on its own, against an
// external NATS JetStream server: NATS micro endpoints at samspill.cmd.*
// and HTTP at /v1/commands/{name}, with Prometheus metrics at GET /metrics
// and traces as the OTEL_* environment says. See README.md.
package main

import (
	"context"
	"log/slog"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/command/command"
)

func main() { daemon.Main("command", "127.0.0.1:8081", run) }

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
	nc, key, err := f.Connect("samspill-command")
	if err != nil {
		return err
	}
	defer nc.Close()
	metrics := telemetry.NewMetrics()
	r, err := command.Boot(ctx, nc, command.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Metrics: metrics})
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("command service up", "nats", f.NATS, "http", f.HTTP)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(routes, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
