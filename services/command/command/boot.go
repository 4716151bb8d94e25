package command

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/stores"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Options configures Boot.
type Options struct {
	// MasterKey wraps the map keys (see package seal).
	MasterKey []byte
	// Replicas of the streams: 1 on a single node, 3 in a cluster.
	Replicas int
	Logger   *slog.Logger
	// Metrics counts commands and appended events; nil: none. The micro
	// endpoints make spans with the tracer provider in Boot's context
	// (telemetry.WithTracerProvider).
	Metrics *telemetry.Metrics
}

// Running is a booted command service.
type Running struct {
	Service *Service
	Micro   micro.Service
	Log     *eventlog.Log
}

// Boot opens the event log and the key bucket on nc, starts a Service that
// follows the log, and registers its micro endpoints. Stop it with Stop.
func Boot(ctx context.Context, nc *nats.Conn, opts Options) (*Running, error) {
	st, err := stores.Open(ctx, nc, stores.Config{Replicas: opts.Replicas, MasterKey: opts.MasterKey})
	if err != nil {
		return nil, err
	}
	svc, err := NewService(st.Log, st.Keys, Config{Logger: opts.Logger, Metrics: opts.Metrics})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	m, err := svc.AddMicro(ctx, nc)
	if err != nil {
		svc.Stop()
		return nil, err
	}
	return &Running{Service: svc, Micro: m, Log: st.Log}, nil
}

// Stop stops taking requests, then stops following the log.
func (r *Running) Stop() {
	_ = r.Micro.Stop()
	r.Service.Stop()
}
