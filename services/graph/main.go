// Command graph runs the Samspill graph service on its own against an
// external NATS JetStream server: queries at samspill.query.* and over
// HTTP at /v1/maps and /v1/areas. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/graph/graph"
)

func main() {
	natsURL := flag.String("nats", nats.DefaultURL, "NATS server URL")
	httpAddr := flag.String("http", "127.0.0.1:8082", "HTTP listen address (empty: no HTTP)")
	keyFile := flag.String("master-key", "", "file with the 64-hex-digit master key (required)")
	replicas := flag.Int("replicas", 1, "replicas of the snapshot bucket: 1 single node, 3 cluster")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("service", "graph")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, *natsURL, *httpAddr, *keyFile, *replicas); err != nil {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, natsURL, httpAddr, keyFile string, replicas int) error {
	if keyFile == "" {
		return errors.New("--master-key is required")
	}
	key, err := seal.LoadMasterKey(keyFile)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(natsURL, nats.Name("samspill-graph"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connect %s: %w", natsURL, err)
	}
	defer nc.Close()
	r, err := graph.Boot(ctx, nc, graph.Options{MasterKey: key, Replicas: replicas, Logger: logger})
	if err != nil {
		return err
	}
	logger.Info("graph service up", "nats", natsURL, "http", httpAddr)
	return daemon.Serve(ctx, logger, httpAddr, r.Service.Handler(), func(ctx context.Context) error {
		if err := r.Stop(ctx); err != nil {
			logger.Warn("final snapshot", "err", err)
		}
		return nc.Drain()
	})
}
