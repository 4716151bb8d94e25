// Command command runs the Samspill command service on its own, against an
// external NATS JetStream server: NATS micro endpoints at samspill.cmd.*
// and HTTP at /v1/commands/{name}. See README.md.
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
	"github.com/samspill/samspill/services/command/command"
)

func main() {
	natsURL := flag.String("nats", nats.DefaultURL, "NATS server URL")
	httpAddr := flag.String("http", "127.0.0.1:8081", "HTTP listen address (empty: no HTTP)")
	keyFile := flag.String("master-key", "", "file with the 64-hex-digit master key (required)")
	replicas := flag.Int("replicas", 1, "stream replicas: 1 single node, 3 cluster")
	creds := flag.String("creds", "", "NATS credentials file")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("service", "command")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, *natsURL, *httpAddr, *keyFile, *creds, *replicas); err != nil {
		logger.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, natsURL, httpAddr, keyFile, creds string, replicas int) error {
	if keyFile == "" {
		return errors.New("--master-key is required")
	}
	key, err := seal.LoadMasterKey(keyFile)
	if err != nil {
		return err
	}
	opts := []nats.Option{nats.Name("samspill-command"), nats.MaxReconnects(-1)}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	nc, err := nats.Connect(natsURL, opts...)
	if err != nil {
		return fmt.Errorf("connect %s: %w", natsURL, err)
	}
	defer nc.Close()
	r, err := command.Boot(ctx, nc, command.Options{MasterKey: key, Replicas: replicas, Logger: logger})
	if err != nil {
		return err
	}
	logger.Info("command service up", "nats", natsURL, "http", httpAddr)
	return daemon.Serve(ctx, logger, httpAddr, r.Service.Handler(), func(context.Context) error {
		r.Stop()
		return nc.Drain()
	})
}
