package command

import (
	"context"
	"errors"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
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
	// Verifier verifies the assertion of every NATS request (header
	// Samspill-Assertion); daemon.Flags.Verifier reads it from
	// --access-key. Nil: NATS requests name no principal and are refused
	// with 401.
	Verifier *access.Verifier
	// Audit stores every decision of the service's guard:
	// audit.NewWriter(js, "command", nil). Required.
	Audit access.Recorder
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
	if opts.Audit == nil {
		return nil, errors.New("command: Options.Audit is required: the command service audits every decision before it executes a command (audit.NewWriter(js, \"command\", nil))")
	}
	st, err := stores.Open(ctx, nc, stores.Config{Replicas: opts.Replicas, MasterKey: opts.MasterKey})
	if err != nil {
		return nil, err
	}
	svc, err := NewService(st.Log, st.Keys, Config{Logger: opts.Logger, Metrics: opts.Metrics, Audit: opts.Audit, Verifier: opts.Verifier})
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
