// Command gap runs the Samspill gap service on its own against an external
// NATS JetStream server: it evaluates the coordination-gap rules of every
// citizen map as its events arrive, and the system-wide rules of each
// municipality, publishes gap_opened and gap_closed to the stream
// SAMSPILL_GAPS, answers samspill.query.gaps and serves /v1/maps/{id}/gaps
// and /v1/areas/{municipality}/gaps over HTTP, with Prometheus metrics at
// GET /metrics and traces as the OTEL_* environment says. It needs no
// master key. See README.md.
package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/gap/gap"
)

func main() {
	var cfg gap.Config
	flag.DurationVar(&cfg.Reevaluate, "reevaluate", 24*time.Hour, "how often every map is evaluated again (rules such as P10 depend on the date)")
	flag.DurationVar(&cfg.SystemInterval, "system-interval", time.Minute, "shortest time between two evaluations of one municipality's system-wide rules (S1-S10) while its maps keep changing; negative: off")
	flag.StringVar(&cfg.Durable, "durable", gap.Durable, "name of the durable consumer on SAMSPILL_EVENTS (a second instance running at the same time needs its own)")
	daemon.Main("gap", "127.0.0.1:8083", func(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
		return run(ctx, logger, f, cfg)
	})
}

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags, cfg gap.Config) error {
	nc, err := f.Dial("samspill-gap")
	if err != nil {
		return err
	}
	defer nc.Close()
	metrics := telemetry.NewMetrics()
	cfg.Replicas, cfg.Logger, cfg.Metrics = f.Replicas, logger, metrics
	r, err := gap.Boot(ctx, nc, cfg)
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("gap service up", "nats", f.NATS, "http", f.HTTP, "subscribe", gap.SubjectPrefix+".>")
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(routes, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
