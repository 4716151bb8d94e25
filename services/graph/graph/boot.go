package graph

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/stores"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Options configures Boot.
type Options struct {
	MasterKey []byte
	Replicas  int
	Logger    *slog.Logger
	// Metrics records the projection's progress; nil: none. The micro
	// queries make spans with the tracer provider in Boot's context
	// (telemetry.WithTracerProvider).
	Metrics *telemetry.Metrics
	// Verifier checks the assertion of every NATS query; nil refuses
	// every NATS query as unauthenticated.
	Verifier *access.Verifier
	// Audit records the decisions about maps and areas (an *audit.Writer
	// made with audit.NewWriter(js, "graph", nil)). Required: Boot refuses
	// to start without it.
	Audit access.Recorder
	// Partition, when set, makes this one of several instances sharing
	// the maps (see Config.Partition); its Service is set to "graph".
	Partition *partition.GroupConfig
}

// Running is a booted graph service.
type Running struct {
	Service *Service
	Micro   micro.Service
}

// Boot opens the log, the key bucket and the snapshot bucket on nc,
// restores the projection, follows the log and registers the queries.
func Boot(ctx context.Context, nc *nats.Conn, opts Options) (*Running, error) {
	if opts.Audit == nil {
		return nil, errAuditRequired
	}
	st, err := stores.Bind(ctx, nc, stores.Config{MasterKey: opts.MasterKey, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	svc, err := New(ctx, st.JetStream, st.Log, st.Keys, Config{Replicas: opts.Replicas, Logger: opts.Logger, Metrics: opts.Metrics,
		Verifier: opts.Verifier, Audit: opts.Audit, Partition: partition.For("graph", opts.Partition, opts.Replicas), Conn: nc})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	m, err := svc.AddMicro(ctx, nc)
	if err != nil {
		_ = svc.Stop(ctx)
		return nil, err
	}
	return &Running{Service: svc, Micro: m}, nil
}

// Stop stops the queries, then the follower, and writes a last snapshot.
// Calling it again does nothing.
func (r *Running) Stop(ctx context.Context) error {
	_ = r.Micro.Stop()
	return r.Service.Stop(ctx)
}
