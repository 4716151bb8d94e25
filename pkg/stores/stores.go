// Package stores opens the JetStream stores every Samspill service shares:
// the event log (SAMSPILL_EVENTS) and the bucket of map keys
// (KV_SAMSPILL_MAP_KEYS), with one replica count for both.
//
// The command service owns both and calls Open, which creates them or
// brings their configuration up to date. The services that only read them
// (graph, picture) call Bind, which waits until they exist and never
// changes them; their NATS users may not create or update them (see
// pkg/natsperm).
package stores

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/seal"
)

// Config chooses the replica count and the master key.
type Config struct {
	// Replicas of every stream: 1 on a single node, 3 in a cluster. Bind
	// ignores it (the owner chose).
	Replicas int
	// MasterKey wraps the map keys (see package seal).
	MasterKey []byte
	// Logger hears, now and then, that Bind is still waiting for a store;
	// nil: silent.
	Logger *slog.Logger
}

// Stores are the opened stores.
type Stores struct {
	JetStream jetstream.JetStream
	Log       *eventlog.Log
	Keys      *seal.Keyring
}

// Open creates the event log and the key bucket on nc, or updates their
// configuration, and binds them: for their owner, the command service.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Stores, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("stores: jetstream: %w", err)
	}
	l, err := eventlog.Open(ctx, js, eventlog.Config{Replicas: cfg.Replicas})
	if err != nil {
		return nil, err
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{Replicas: cfg.Replicas, MasterKey: cfg.MasterKey})
	if err != nil {
		return nil, err
	}
	return &Stores{JetStream: js, Log: l, Keys: keys}, nil
}

// Bind binds the event log and the key bucket on nc without creating or
// changing them, waiting while either does not exist yet, until ctx ends
// (eventlog.Bind, seal.BindKeyring): for the services that read them,
// graph and picture.
func Bind(ctx context.Context, nc *nats.Conn, cfg Config) (*Stores, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("stores: jetstream: %w", err)
	}
	// The keys first: a wrong master key is refused before any wait.
	keys, err := seal.BindKeyring(ctx, js, seal.KeyringConfig{MasterKey: cfg.MasterKey, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	l, err := eventlog.Bind(ctx, js, eventlog.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Stores{JetStream: js, Log: l, Keys: keys}, nil
}
