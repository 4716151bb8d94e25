package partition

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// MembersBucket is the key-value bucket where instances announce
// themselves. Part of the deployment contract (pkg/natsperm).
const MembersBucket = "SAMSPILL_MEMBERS"

// Member is what one instance announces.
type Member struct {
	// Instance is the instance's name, unique within its service.
	Instance string `json:"instance"`
	// HTTP is the base URL another instance may forward HTTP requests to
	// ("" when it serves none).
	HTTP string `json:"http,omitempty"`
	// Serves are the partition keys it answers for now, sorted.
	Serves []string `json:"serves"`
	// Ready is false while the instance builds its first projection.
	Ready bool `json:"ready"`
}

// GroupConfig configures Join.
type GroupConfig struct {
	// Service is the service's name ("graph"); Instance this instance's,
	// unique within the service: letters, digits and '-' (a pod's name).
	Service  string
	Instance string
	// HTTP is this instance's base URL for forwarded HTTP requests.
	HTTP string
	// Heartbeat is how often the instance announces itself and reads the
	// others (default 1 s); a member not heard of for 5 heartbeats has
	// left. Every instance of a service must use the same.
	Heartbeat time.Duration
	// Replicas of the members bucket (default 1).
	Replicas int
	Logger   *slog.Logger
}

// For returns g as the group of an instance of service, with replicas
// for its bucket unless g sets them; nil for nil (the only instance).
func For(service string, g *GroupConfig, replicas int) *GroupConfig {
	if g == nil {
		return nil
	}
	c := *g
	c.Service = service
	if c.Replicas == 0 {
		c.Replicas = replicas
	}
	return &c
}

// Group is one instance's view of its service's instances.
type Group struct {
	cfg GroupConfig
	kv  jetstream.KeyValue

	mu      sync.Mutex
	self    Member
	members map[string]Member // by instance, self included
	changed chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

// Join announces the instance in the members bucket (creating it if it is
// missing), reads the others, and keeps doing both every heartbeat until
// Leave. The instance starts neither serving nor ready.
func Join(ctx context.Context, js jetstream.JetStream, cfg GroupConfig) (*Group, error) {
	if !validToken(cfg.Service) || !validToken(cfg.Instance) {
		return nil, fmt.Errorf("partition: service %q and instance %q must be 1–64 letters, digits or '-'", cfg.Service, cfg.Instance)
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      MembersBucket,
		Description: "Samspill read-side instances and the partitions each serves",
		TTL:         5 * cfg.Heartbeat,
		History:     1,
		Storage:     jetstream.MemoryStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("partition: members bucket: %w", err)
	}
	g := &Group{cfg: cfg, kv: kv, self: Member{Instance: cfg.Instance, HTTP: cfg.HTTP, Serves: []string{}},
		members: map[string]Member{}, changed: make(chan struct{}, 1), done: make(chan struct{})}
	if err := g.beat(ctx); err != nil {
		return nil, err
	}
	loop, stop := context.WithCancel(context.WithoutCancel(ctx))
	g.stop = stop
	go g.loop(loop)
	return g, nil
}

func (g *Group) key() string { return g.cfg.Service + "." + g.cfg.Instance }

// beat announces the instance and reads every member of its service.
func (g *Group) beat(ctx context.Context) error {
	g.mu.Lock()
	raw, err := json.Marshal(g.self)
	g.mu.Unlock()
	if err != nil {
		return fmt.Errorf("partition: announce: %w", err)
	}
	if _, err := g.kv.Put(ctx, g.key(), raw); err != nil {
		return fmt.Errorf("partition: announce %s: %w", g.key(), err)
	}
	keys, err := g.kv.ListKeysFiltered(ctx, g.cfg.Service+".*")
	if err != nil {
		return fmt.Errorf("partition: list members: %w", err)
	}
	seen := map[string]Member{}
	for k := range keys.Keys() {
		if m, ok := g.read(ctx, k); ok {
			seen[m.Instance] = m
		}
	}
	// A listing can miss a key written while it runs: a member known
	// before and not listed now is asked for by name, and has left only
	// when its key is gone (deleted on leaving, or expired).
	for _, n := range g.Names() {
		if _, ok := seen[n]; !ok && n != g.cfg.Instance {
			if m, ok := g.read(ctx, g.cfg.Service+"."+n); ok {
				seen[n] = m
			}
		}
	}
	g.mu.Lock()
	seen[g.cfg.Instance] = g.self
	before := g.names()
	g.members = seen
	moved := !slices.Equal(before, g.names())
	g.mu.Unlock()
	if moved {
		g.cfg.Logger.Info("members changed", "service", g.cfg.Service, "members", len(seen))
	}
	g.notify() // serving sets may have changed even when names did not
	return nil
}

// read returns the announcement under key, false when there is none or it
// is not one.
func (g *Group) read(ctx context.Context, key string) (Member, bool) {
	e, err := g.kv.Get(ctx, key)
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
			g.cfg.Logger.Warn("cannot read a member's announcement", "key", key, "err", err)
		}
		return Member{}, false
	}
	var m Member
	if err := json.Unmarshal(e.Value(), &m); err != nil || m.Instance != strings.TrimPrefix(key, g.cfg.Service+".") {
		g.cfg.Logger.Warn("ignoring a malformed member announcement", "key", key)
		return Member{}, false
	}
	return m, true
}

func (g *Group) notify() {
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

func (g *Group) loop(ctx context.Context) {
	defer close(g.done)
	t := time.NewTicker(g.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.beat(ctx); err != nil && ctx.Err() == nil {
				g.cfg.Logger.Warn("heartbeat failed; will retry", "err", err)
			}
		}
	}
}

// names returns the members' names, sorted; g.mu held.
func (g *Group) names() []string {
	out := make([]string, 0, len(g.members))
	for n := range g.members {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Names returns the names of the members (this instance among them),
// sorted.
func (g *Group) Names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.names()
}

// Members returns every member's announcement, this instance's as it is now.
func (g *Group) Members() []Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Member, 0, len(g.members))
	for _, n := range g.names() {
		out = append(out, g.members[n])
	}
	return out
}

// Instance is this instance's name.
func (g *Group) Instance() string { return g.cfg.Instance }

// Owns reports whether this instance owns key among the members now.
func (g *Group) Owns(key string) bool { return Owner(g.Names(), key) == g.cfg.Instance }

// Changed is signalled after every heartbeat that read the members.
func (g *Group) Changed() <-chan struct{} { return g.changed }

// Announce sets what the instance serves and whether it is ready, and
// writes it at once.
func (g *Group) Announce(ctx context.Context, serves []string, ready bool) error {
	s := slices.Clone(serves)
	slices.Sort(s)
	g.mu.Lock()
	g.self.Serves, g.self.Ready = s, ready
	g.mu.Unlock()
	return g.beat(ctx)
}

// ServedElsewhere reports whether another member announces it serves key.
func (g *Group) ServedElsewhere(key string) bool {
	for _, m := range g.Members() {
		if m.Instance != g.cfg.Instance && slices.Contains(m.Serves, key) {
			return true
		}
	}
	return false
}

// Leave stops announcing the instance and removes its key, so the others
// take its partitions over at their next heartbeat.
func (g *Group) Leave(ctx context.Context) error {
	g.stop()
	<-g.done
	if err := g.kv.Delete(ctx, g.key()); err != nil {
		return fmt.Errorf("partition: leave: %w", err)
	}
	return nil
}
