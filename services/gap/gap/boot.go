package gap

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/partition"
)

// Running is a booted gap service.
type Running struct {
	Service *Service
	Micro   micro.Service
}

// Boot opens the event log and SAMSPILL_GAPS on nc (it needs no map keys),
// starts the service and registers its queries. cfg.Replicas applies to
// both streams; cfg.Audit is required. Stop it with Stop.
func Boot(ctx context.Context, nc *nats.Conn, cfg Config) (*Running, error) {
	if cfg.Audit == nil {
		return nil, errAuditRequired
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("gap: jetstream: %w", err)
	}
	l, err := eventlog.Bind(ctx, js, eventlog.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	if cfg.Partition != nil {
		cfg.Partition = partition.For("gap", cfg.Partition, cfg.Replicas)
		cfg.Conn = nc
	}
	svc, err := New(ctx, js, l, cfg)
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
	return &Running{Service: svc, Micro: m}, nil
}

// Stop stops answering queries, then stops the service.
func (r *Running) Stop() {
	_ = r.Micro.Stop()
	r.Service.Stop()
}
