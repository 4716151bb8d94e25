// Command gap runs the Samspill gap service on its own against an external
// NATS JetStream server: it evaluates the coordination-gap rules of every
// citizen map as its events arrive, and the system-wide rules of each
// municipality, publishes gap_opened and gap_closed to the stream
// SAMSPILL_GAPS, answers samspill.query.gaps and serves /v1/maps/{id}/gaps
// and /v1/areas/{municipality}/gaps over HTTP, with Prometheus metrics at
// GET /metrics and traces as the OTEL_* environment says. It needs no
// master key. Every query names its principal with an assertion of the
// access service (NATS header Samspill-Assertion, HTTP Authorization:
// Bearer), verified with the public key --access-key, and every decision
// about a map or an area is written to the audit stream SAMSPILL_AUDIT
// before it is answered. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/gap/gap"
)

func main() {
	var cfg gap.Config
	flag.DurationVar(&cfg.Reevaluate, "reevaluate", 24*time.Hour, "how often every map is evaluated again (rules such as P10 depend on the date)")
	flag.DurationVar(&cfg.SystemInterval, "system-interval", time.Minute, "shortest time between two evaluations of one municipality's system-wide rules (S1-S10) while its maps keep changing; negative: off")
	flag.StringVar(&cfg.Durable, "durable", gap.Durable, "name of the durable consumer on SAMSPILL_EVENTS (a second instance running at the same time needs its own, unless the instances share the maps with --instance)")
	daemon.Main("gap", "127.0.0.1:8083", func(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
		return run(ctx, logger, f, cfg)
	})
}

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags, cfg gap.Config) error {
	verifier, err := f.Verifier()
	if err != nil {
		return err
	}
	nc, err := f.Dial("samspill-gap")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("gap: jetstream: %w", err)
	}
	metrics := telemetry.NewMetrics()
	cfg.Replicas, cfg.Logger, cfg.Metrics = f.Replicas, logger, metrics
	cfg.Verifier, cfg.Audit, cfg.Partition = verifier, audit.NewWriter(js, "gap", nil), f.Partition()
	r, err := gap.Boot(ctx, nc, cfg)
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("gap service up", "nats", f.NATS, "http", f.HTTP, "subscribe", gap.SubjectPrefix+".>")
	// Every route but /metrics answers the principal of a bearer assertion.
	h := access.HTTP(verifier, routes)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(h, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
