// Command picture runs the Samspill render service on its own against an
// external NATS JetStream server: pictures of maps over HTTP at
// /v1/maps/{id}/picture.{svg,png,pdf,dot} and the like, and as the NATS
// micro service samspill-picture at samspill.render.*. Graphviz runs in a
// worker process, this program started again with the argument
// draw-worker, which is replaced every few hundred pictures to return the
// memory Graphviz leaks. Prometheus metrics are at GET /metrics; traces go
// where the OTEL_* environment says. Every request names its principal
// with an assertion of the access service (NATS header Samspill-Assertion,
// HTTP Authorization: Bearer), verified with the public key --access-key,
// and every decision about a map or an area is written to the audit stream
// SAMSPILL_AUDIT before it is answered. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
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
	flag.StringVar(&durable, "durable", picture.Durable, "name of the durable consumer on SAMSPILL_EVENTS (a second instance running at the same time needs its own, unless the instances share the maps with --instance)")
	daemon.Main("picture", "127.0.0.1:8084", func(ctx context.Context, logger *slog.Logger, f daemon.Flags) error {
		return run(ctx, logger, f, durable)
	})
}

func run(ctx context.Context, logger *slog.Logger, f daemon.Flags, durable string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program for the draw worker: %w", err)
	}
	verifier, err := f.Verifier()
	if err != nil {
		return err
	}
	nc, key, err := f.Connect("samspill-picture")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("picture: jetstream: %w", err)
	}
	metrics := telemetry.NewMetrics()
	r, err := picture.Boot(ctx, nc, picture.Options{MasterKey: key, Replicas: f.Replicas, Logger: logger, Durable: durable, Metrics: metrics,
		Verifier: verifier, Audit: audit.NewWriter(js, "picture", nil), Partition: f.Partition(),
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
	// Every route but /metrics answers the principal of a bearer assertion.
	h := access.HTTP(verifier, routes)
	return daemon.Serve(ctx, logger, f.HTTP, telemetry.HTTP(h, metrics, telemetry.TracerProviderFrom(ctx)), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
