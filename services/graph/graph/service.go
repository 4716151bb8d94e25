package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Names that are part of the public contract.
const (
	Durable        = "samspill-graph"
	SnapshotBucket = "SAMSPILL_GRAPH"
	SnapshotObject = "projection.json.gz"
)

// Config configures a Service.
type Config struct {
	// SnapshotEvery is how many applied events make a new snapshot due
	// (default 5000); SnapshotInterval how often a due snapshot is written
	// (default 10 s).
	SnapshotEvery    int
	SnapshotInterval time.Duration
	// Replicas of the snapshot bucket.
	Replicas int
	// Clock gives "now" and "today"; Location where today is reckoned.
	Clock    func() time.Time
	Location *time.Location
	Logger   *slog.Logger
	// Metrics records the projection's position, events applied and lag
	// (projection "graph"); nil: none.
	Metrics *telemetry.Metrics
	// Verifier checks the assertion of every NATS query (header
	// Samspill-Assertion); nil: no NATS query names a principal, so every
	// one is refused as unauthenticated. Over HTTP the principal comes
	// from the request's context (access.HTTP at the edge).
	Verifier *access.Verifier
	// Audit records every decision about a map or an area before it is
	// answered (an *audit.Writer for service "graph"). Required.
	Audit access.Recorder
	// Partition, when set, makes this one of several instances that share
	// the maps by municipality (package partition), with Conn for asking
	// the others; nil: the only instance, holding every map.
	Partition *partition.GroupConfig
	Conn      *nats.Conn
}

func (c *Config) defaults() {
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = 5000
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 10 * time.Second
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Location == nil {
		c.Location = date.HomeLocation()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Service is the graph service.
type Service struct {
	cfg    Config
	js     jetstream.JetStream
	part   *partition.Instance
	log    *eventlog.Log
	obj    jetstream.ObjectStore
	keys   export.Revealer
	store  *projection.Store
	guard  *access.Guard
	follow *eventlog.Follower

	mu        sync.Mutex
	applied   int // events applied since the last snapshot
	snapshots chan struct{}
	stopped   chan struct{}
	caughtUp  chan struct{}
	head      uint64
	once      sync.Once
	stopOnce  sync.Once
}

// New opens the snapshot bucket and returns a service that is not yet
// following the log.
func New(ctx context.Context, js jetstream.JetStream, log *eventlog.Log, keys export.Revealer, cfg Config) (*Service, error) {
	if cfg.Audit == nil {
		return nil, errAuditRequired
	}
	cfg.defaults()
	obj, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      SnapshotBucket,
		Description: "Samspill graph service snapshots (structure and sealed fields only)",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("graph: snapshot bucket: %w", err)
	}
	store := projection.NewStore()
	if cfg.Partition != nil && cfg.Conn == nil {
		return nil, errors.New("graph: Config.Conn is required with Config.Partition")
	}
	return &Service{cfg: cfg, js: js, log: log, obj: obj, keys: keys, store: store, guard: access.NewGuard(cfg.Audit, store.Assigned, cfg.Logger).WithCatchUp(access.CatchUp(log.Head, store.Position)),
		snapshots: make(chan struct{}, 1), stopped: make(chan struct{}), caughtUp: make(chan struct{})}, nil
}

// errAuditRequired refuses a service without an audit trail: a read of a
// citizen map that cannot be audited must not be served.
var errAuditRequired = errors.New("graph: Config.Audit is required: every read of a map or an area is audited before it is answered (audit.NewWriter(js, \"graph\", nil))")

// Store returns the projection the service keeps.
func (s *Service) Store() *projection.Store { return s.store }

// Start restores the latest snapshot and follows the log from just after it.
func (s *Service) Start(ctx context.Context) error {
	if s.cfg.Partition != nil {
		// A partitioned instance holds the maps its members gave it when
		// it started; a snapshot written under other members would not
		// say which partitions it holds, so it reads the log.
		p, err := partition.New(ctx, s.cfg.Conn, s.js, s.log, s.store, partition.Config{Group: *s.cfg.Partition})
		if err != nil {
			return fmt.Errorf("graph: %w", err)
		}
		s.part = p
	} else if err := s.restore(ctx); err != nil {
		return err
	}
	head, err := s.log.Head(ctx)
	if err != nil {
		return err
	}
	s.head = head
	if s.store.Position() >= head {
		s.markCaughtUp()
	}
	s.cfg.Logger.Info("graph projection restored", "position", s.store.Position(), "head", head)
	start, lastReport := time.Now(), time.Now()
	from := s.store.Position()
	follow := func(ctx context.Context, cfg eventlog.FollowConfig, h eventlog.Handler) (*eventlog.Follower, error) {
		return s.log.FollowDurable(ctx, Durable, cfg, h)
	}
	if s.part != nil {
		// Instances read the log each with an ordered consumer of its own:
		// the durable name is one instance's.
		follow = s.log.Follow
	}
	f, err := follow(ctx, eventlog.FollowConfig{From: s.store.Position() + 1, OwnPosition: true, Logger: s.cfg.Logger},
		func(_ context.Context, r eventlog.Record) error {
			s.apply(r)
			s.cfg.Metrics.Applied(Durable, r.Seq)
			s.forgetErased(r)
			if r.Seq < s.head && time.Since(lastReport) >= 2*time.Second {
				lastReport = time.Now()
				s.cfg.Logger.Info("replaying the log", "position", r.Seq, "head", s.head,
					"percent", 100*(r.Seq-from)/max(s.head-from, 1))
			}
			if r.Seq == s.head && s.head > from {
				s.cfg.Logger.Info("caught up with the log", "events", s.head-from, "took", time.Since(start).Round(time.Millisecond))
			}
			s.mu.Lock()
			s.applied++
			due := s.applied >= s.cfg.SnapshotEvery
			s.mu.Unlock()
			if due {
				select {
				case s.snapshots <- struct{}{}:
				default:
				}
			}
			if r.Seq >= s.head {
				s.markCaughtUp()
			}
			return nil
		})
	if err != nil {
		if s.part != nil {
			_ = s.part.Stop(ctx)
		}
		return err
	}
	s.follow = f
	s.cfg.Metrics.WatchLag(Durable, func() (uint64, bool) { _, pending, ok := f.Delivered(); return pending, ok })
	if s.part == nil {
		go s.snapshotLoop(ctx)
	}
	return nil
}

// apply adds a live event to the projection, or, in a partitioned
// instance, moves over it when its map is another instance's.
func (s *Service) apply(r eventlog.Record) {
	add := func() {
		if err := s.store.Apply(r); err != nil {
			s.cfg.Logger.Error("event not applied", "seq", r.Seq, "err", err)
		}
	}
	if s.part == nil {
		add()
		return
	}
	s.part.Apply(r, add, func() { s.store.Advance(r.Seq) })
}

// markCaughtUp closes CaughtUp, and lets a partitioned instance serve.
func (s *Service) markCaughtUp() {
	s.once.Do(func() {
		close(s.caughtUp)
		if s.part != nil {
			s.part.SetReady()
		}
	})
}

// CaughtUp is closed once the projection has applied the log as it stood
// when Start was called.
func (s *Service) CaughtUp() <-chan struct{} { return s.caughtUp }

// WaitFor blocks until the projection has applied the event at seq.
func (s *Service) WaitFor(ctx context.Context, seq uint64) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.store.Position() < seq {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Stop stops following and writes a final snapshot. Calling it again does
// nothing.
func (s *Service) Stop(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		if s.follow != nil {
			_ = s.follow.Stop()
		}
		close(s.stopped)
		if s.part != nil {
			err = s.part.Stop(ctx)
			return
		}
		err = s.Snapshot(ctx)
	})
	return err
}

func (s *Service) snapshotLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.SnapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-ctx.Done():
			return
		case <-s.snapshots:
		case <-t.C:
			s.mu.Lock()
			due := s.applied > 0
			s.mu.Unlock()
			if !due {
				continue
			}
		}
		if err := s.Snapshot(ctx); err != nil {
			s.cfg.Logger.Warn("snapshot failed; will retry", "err", err)
		}
	}
}

// Snapshot writes the projection and its position to the object store.
func (s *Service) Snapshot(ctx context.Context) error {
	s.mu.Lock()
	s.applied = 0
	s.mu.Unlock()
	raw, err := s.store.MarshalSnapshot()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return fmt.Errorf("graph: compress snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("graph: compress snapshot: %w", err)
	}
	if _, err := s.obj.PutBytes(ctx, SnapshotObject, buf.Bytes()); err != nil {
		return fmt.Errorf("graph: write snapshot: %w", err)
	}
	s.cfg.Logger.Debug("snapshot written", "position", s.store.Position(), "bytes", buf.Len())
	return nil
}

func (s *Service) restore(ctx context.Context) error {
	r, err := s.obj.Get(ctx, SnapshotObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("graph: read snapshot: %w", err)
	}
	defer r.Close()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("graph: snapshot is not gzip: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("graph: read snapshot: %w", err)
	}
	err = s.store.UnmarshalSnapshot(raw)
	if errors.Is(err, projection.ErrSnapshotFormat) {
		// Written by an older build that kept less: rebuild from the log.
		s.cfg.Logger.Warn("snapshot of an older format ignored; replaying the log", "err", err)
		return nil
	}
	return err
}

func (s *Service) today() date.Date { return date.Of(s.cfg.Clock().In(s.cfg.Location)) }

// forgetErased drops an erased map's key from the keyring's memory, so that
// a view of the map as known before its erasure cannot reveal it either.
func (s *Service) forgetErased(r eventlog.Record) {
	if r.Envelope.Type != event.TypeMapErased {
		return
	}
	agg, err := r.Envelope.Aggregate()
	if f, ok := s.keys.(interface{ Forget(mapID string) }); ok && err == nil {
		f.Forget(agg.ID)
	}
}

// NewForStore returns a service that answers queries from an existing
// projection without following a log (for benchmarks and offline tools).
// Its queries are decided and audited as any service's: rec records the
// decisions (required).
func NewForStore(st *projection.Store, keys export.Revealer, rec access.Recorder) (*Service, error) {
	if rec == nil {
		return nil, errAuditRequired
	}
	cfg := Config{Audit: rec}
	cfg.defaults()
	return &Service{cfg: cfg, keys: keys, store: st, guard: access.NewGuard(rec, st.Assigned, cfg.Logger),
		snapshots: make(chan struct{}, 1), stopped: make(chan struct{}), caughtUp: make(chan struct{})}, nil
}

// Serving reports whether a partitioned instance answers for partition
// key now (the only instance serves every key).
func (s *Service) Serving(key string) bool { return s.part == nil || s.part.Serving(key) }
