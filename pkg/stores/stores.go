// Package stores opens the JetStream stores every Samspill service shares:
// the event log (SAMSPILL_EVENTS) and the bucket of map keys
// (KV_SAMSPILL_MAP_KEYS), with one replica count for both.
package stores

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/seal"
)

// Config chooses the replica count and the master key.
type Config struct {
	// Replicas of every stream: 1 on a single node, 3 in a cluster.
	Replicas int
	// MasterKey wraps the map keys (see package seal).
	MasterKey []byte
}

// Stores are the opened stores.
type Stores struct {
	JetStream jetstream.JetStream
	Log       *eventlog.Log
	Keys      *seal.Keyring
}

// Open creates or binds the event log and the key bucket on nc.
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
