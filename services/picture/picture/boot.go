package picture

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/stores"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Options configures Boot.
type Options struct {
	MasterKey []byte
	Replicas  int
	Logger    *slog.Logger
	// Durable names the consumer on SAMSPILL_EVENTS (default Durable).
	Durable string
	// Engine draws the pictures. When nil, Boot starts one with Draw,
	// and Stop closes it.
	Engine *draw.Engine
	Draw   draw.Options
	// Metrics counts pictures and cache hits; nil: none. The micro
	// endpoints make spans with the tracer provider in Boot's context
	// (telemetry.WithTracerProvider).
	Metrics *telemetry.Metrics
	// Verifier checks the assertion of every NATS request; nil refuses
	// every NATS request as unauthenticated.
	Verifier *access.Verifier
	// Audit records the decisions about maps and areas (an *audit.Writer
	// made with audit.NewWriter(js, "picture", nil)). Required: Boot
	// refuses to start without it.
	Audit access.Recorder
	// Partition, when set, makes this one of several instances sharing
	// the maps (see Config.Partition); its Service is set to "picture".
	Partition *partition.GroupConfig
}

// Running is a booted render service.
type Running struct {
	Service *Service
	Micro   micro.Service
	engine  *draw.Engine // closed by Stop when Boot started it
}

// Boot opens the log, the key bucket and the picture bucket on nc,
// follows the log and registers the micro endpoints.
func Boot(ctx context.Context, nc *nats.Conn, opts Options) (*Running, error) {
	if opts.Audit == nil {
		return nil, errAuditRequired
	}
	st, err := stores.Bind(ctx, nc, stores.Config{MasterKey: opts.MasterKey, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	r := &Running{}
	eng := opts.Engine
	if eng == nil {
		if eng, err = draw.New(ctx, opts.Draw); err != nil {
			return nil, err
		}
		r.engine = eng
	}
	fail := func(err error) (*Running, error) {
		r.Stop()
		return nil, err
	}
	if r.Service, err = New(ctx, st.JetStream, st.Log, Config{Engine: eng, Keys: st.Keys, Durable: opts.Durable, Replicas: opts.Replicas, Logger: opts.Logger, Metrics: opts.Metrics,
		Verifier: opts.Verifier, Audit: opts.Audit, Partition: partition.For("picture", opts.Partition, opts.Replicas), Conn: nc}); err != nil {
		return fail(err)
	}
	if err := r.Service.Start(ctx); err != nil {
		return fail(err)
	}
	if r.Micro, err = r.Service.AddMicro(ctx, nc); err != nil {
		return fail(err)
	}
	return r, nil
}

// Stop stops the micro endpoints, then the follower and the janitor, and
// closes the engine if Boot started it. Calling it again does nothing.
func (r *Running) Stop() {
	if r.Micro != nil {
		_ = r.Micro.Stop()
	}
	if r.Service != nil {
		r.Service.Stop()
	}
	if r.engine != nil {
		_ = r.engine.Close()
	}
}
