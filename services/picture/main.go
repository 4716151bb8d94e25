// Command picture runs the Samspill render service on its own against an
// external NATS JetStream server: pictures of maps over HTTP at
// /v1/maps/{id}/picture.{svg,png,pdf,dot} and the like, and as the NATS
// micro service samspill-picture at samspill.render.*. Graphviz runs in a
// worker process, this program started again with the argument
// draw-worker, which is replaced every few hundred pictures to return the
// memory Graphviz leaks. Prometheus metrics are at GET /metrics; traces go
// where the OTEL_* environment says. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/picture/picture"
)

// workerArg makes the program a Graphviz worker process.
const workerArg = "draw-worker"

func main() {
	if len(os.Args) == 2 && os.Args[1] == workerArg {
		if err := draw.ServeWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "draw worker:", err)
			os.Exit(1)
		}
		return
	}
	var durable string
	flag.StringVar(&durable, "durable", picture.Durable, "name of the durable consumer on SAMSPILL_EVENTS (a second instance running at the same time needs its own)")
	daemon.Main("picture", "127.0.0.1:8084", func(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
		return run(ctx, logger, f, durable)
	})
}

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags, durable string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program for the draw worker: %w", err)
	}
	nc, key, err := f.Connect("samspill-picture")
	if err != nil {
		return err
	}
	defer nc.Close()
	metrics := telemetry.NewMetrics()
	r, err := picture.Boot(ctx, nc, picture.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Durable: durable, Metrics: metrics,
		Draw: draw.Options{Logger: logger, Command: func() *exec.Cmd {
			cmd := exec.Command(exe, workerArg)
			cmd.Stderr = os.Stderr
			return cmd
		}}})
	if err != nil {
		return err
	}
	routes := r.Service.Handler()
	routes.Handle("GET /metrics", metrics.Handler())
	logger.Info("picture service up", "nats", f.NATS, "http", f.HTTP, "renderer", r.Service.Version())
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(routes, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
