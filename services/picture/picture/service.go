package picture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/singleflight"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Names that are part of the public contract.
const (
	// Durable is the service's durable consumer on SAMSPILL_EVENTS.
	Durable = "samspill-picture"
	// Bucket is the object store the pictures are cached in.
	Bucket = "SAMSPILL_PICTURES"
)

// Keys is what the service needs of the map keys (seal.Keyring satisfies
// it): to reveal names for a picture, to seal and open the cached
// pictures of a map, and to drop a key it has cached once the map is
// erased.
type Keys interface {
	Reveal(ctx context.Context, mapID string, s event.Sealed) (string, error)
	Get(ctx context.Context, mapID string) (*seal.Key, error)
	Forget(mapID string)
}

// Config configures a Service.
type Config struct {
	// Engine draws every picture (required). The Service does not close
	// it.
	Engine *draw.Engine
	// Keys reveal names and seal cached pictures (required).
	Keys Keys
	// Durable names the consumer (default Durable). A second instance
	// running at the same time needs its own name, since a start
	// recreates the consumer.
	Durable string
	// Replicas of the picture bucket (default 1).
	Replicas int
	// TTL is how long a cached picture is kept when its map does not
	// change (default 7 days; negative: no limit). MaxBytes bounds the
	// bucket (default 1 GiB; negative: no limit): when it is full,
	// pictures are drawn and not stored.
	TTL      time.Duration
	MaxBytes int64
	// RenderTimeout bounds drawing one picture (default 2 minutes).
	RenderTimeout time.Duration
	// StartWait is how long a request waits for the projection to catch
	// up with the log after a start before it is refused as unavailable
	// (default 10 s).
	StartWait time.Duration
	// Gaps and System configure the gap rules drawn on the pictures
	// (default gaps.DefaultConfig and gaps.DefaultSystemConfig).
	Gaps   *gaps.Config
	System *gaps.SystemConfig
	// Clock gives "now" and "today"; Location is where today is reckoned.
	Clock    func() time.Time
	Location *time.Location
	Logger   *slog.Logger
	// Metrics counts pictures drawn and answered from the cache, and the
	// projection's progress (projection: the Durable name); nil: none.
	Metrics *telemetry.Metrics
	// Verifier checks the assertion of every NATS request (header
	// Samspill-Assertion); nil: no NATS request names a principal, so every
	// one is refused as unauthenticated. Over HTTP the principal comes
	// from the request's context (access.HTTP at the edge).
	Verifier *access.Verifier
	// Audit records every decision about a map or an area before it is
	// answered (an *audit.Writer made with audit.NewWriter(js, "picture",
	// nil)). Required.
	Audit access.Recorder
	// Partition, when set, makes this one of several instances that share
	// the maps by municipality (package partition), with Conn for asking
	// the others; nil: the only instance, drawing every map. The cache is
	// shared: every instance keeps the positions of every map, so that
	// each deletes what became stale.
	Partition *partition.GroupConfig
	Conn      *nats.Conn
}

// errAuditRequired refuses a service without an audit trail: a picture of a
// citizen's map that cannot be audited must not be served.
var errAuditRequired = errors.New("picture: Config.Audit is required: every picture of a map or an area is audited before it is answered (audit.NewWriter(js, \"picture\", nil))")

func (c *Config) defaults() error {
	if c.Engine == nil {
		return errors.New("picture: Config.Engine is required")
	}
	if c.Keys == nil {
		return errors.New("picture: Config.Keys is required")
	}
	if c.Audit == nil {
		return errAuditRequired
	}
	if c.Durable == "" {
		c.Durable = Durable
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.TTL == 0 {
		c.TTL = 7 * 24 * time.Hour
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 1 << 30
	}
	if c.RenderTimeout == 0 {
		c.RenderTimeout = 2 * time.Minute
	}
	if c.StartWait == 0 {
		c.StartWait = 10 * time.Second
	}
	if c.Gaps == nil {
		g := gaps.DefaultConfig()
		c.Gaps = &g
	}
	if c.System == nil {
		s := gaps.DefaultSystemConfig()
		c.System = &s
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
	return nil
}

// Service is the render service.
type Service struct {
	cfg     Config
	log     *eventlog.Log
	obj     jetstream.ObjectStore
	store   *projection.Store
	guard   *access.Guard
	version string
	flights singleflight.Group

	mu sync.Mutex
	// pos is the sequence of each map's last event; muni each map's
	// municipality (from map_opened); erased the erased maps.
	pos    map[string]uint64
	muni   map[string]string
	erased map[string]bool
	// areaPos is the sequence of the last event of any map of a
	// municipality; dirPos of the directory's last event.
	areaPos map[string]uint64
	dirPos  uint64
	// applied is the sequence of the last event observed.
	applied uint64
	// index holds the cached objects by owner ("map:<id>",
	// "area:<municipality>"), then name.
	index map[string]map[string]entry
	// dirty owners the janitor must look at; dirtyAll: every owner.
	dirty    map[string]bool
	dirtyAll bool

	follow   *eventlog.Follower
	part     *partition.Instance
	js       jetstream.JetStream
	head     uint64
	caughtUp chan struct{}
	caught   sync.Once
	wake     chan struct{}
	stopped  chan struct{}
	janitor  sync.WaitGroup
	drawing  sync.WaitGroup // pictures being drawn
	stopOnce sync.Once

	hits, misses, stored, deleted atomic.Int64
}

// New opens the picture bucket and returns a service that is not yet
// following the log. js and log are the JetStream context and event log
// of the service's connection.
func New(ctx context.Context, js jetstream.JetStream, log *eventlog.Log, cfg Config) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	bc := jetstream.ObjectStoreConfig{
		Bucket:      Bucket,
		Description: "Samspill pictures of maps; those of citizen maps sealed with the map's key",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	}
	if cfg.TTL > 0 {
		bc.TTL = cfg.TTL
	}
	if cfg.MaxBytes > 0 {
		bc.MaxBytes = cfg.MaxBytes
	}
	obj, err := js.CreateOrUpdateObjectStore(ctx, bc)
	if err != nil {
		return nil, fmt.Errorf("picture: bucket %s: %w", Bucket, err)
	}
	version, err := rendererVersion(*cfg.Gaps, *cfg.System)
	if err != nil {
		return nil, err
	}
	if cfg.Partition != nil && cfg.Conn == nil {
		return nil, errors.New("picture: Config.Conn is required with Config.Partition")
	}
	store := projection.NewStore()
	return &Service{cfg: cfg, js: js, log: log, obj: obj, store: store, guard: access.NewGuard(cfg.Audit, store.Assigned, cfg.Logger).WithCatchUp(access.CatchUp(log.Head, store.Position)), version: version,
		pos: map[string]uint64{}, muni: map[string]string{}, erased: map[string]bool{}, areaPos: map[string]uint64{},
		index: map[string]map[string]entry{}, dirty: map[string]bool{},
		caughtUp: make(chan struct{}), wake: make(chan struct{}, 1), stopped: make(chan struct{})}, nil
}

// Store returns the projection the service keeps.
func (s *Service) Store() *projection.Store { return s.store }

// Version is the renderer version that is part of every cache key.
func (s *Service) Version() string { return s.version }

// Start reads the names of the cached pictures, then follows the log from
// its start. Once the projection has caught up, the janitor deletes every
// cached picture whose map changed while the service was away.
func (s *Service) Start(ctx context.Context) error {
	if err := s.loadIndex(ctx); err != nil {
		return err
	}
	follow := func(ctx context.Context, cfg eventlog.FollowConfig, h eventlog.Handler) (*eventlog.Follower, error) {
		return s.log.FollowDurable(ctx, s.cfg.Durable, cfg, h)
	}
	if s.cfg.Partition != nil {
		p, err := partition.New(ctx, s.cfg.Conn, s.js, s.log, s.store, partition.Config{Group: *s.cfg.Partition,
			// A picture forwarded to the instance that draws it may take
			// as long as a drawing, and reading and writing the cache.
			AnswerTimeout: s.cfg.RenderTimeout + 30*time.Second})
		if err != nil {
			return fmt.Errorf("picture: %w", err)
		}
		s.part = p
		// Instances read the log each with an ordered consumer of its own.
		follow = s.log.Follow
	}
	head, err := s.log.Head(ctx)
	if err != nil {
		return err
	}
	s.head = head
	s.janitor.Add(1)
	go s.janitorLoop()
	if head == 0 {
		s.markCaughtUp()
	}
	started := time.Now()
	f, err := follow(ctx, eventlog.FollowConfig{From: 1, OwnPosition: true, Logger: s.cfg.Logger},
		func(_ context.Context, r eventlog.Record) error {
			s.apply(r)
			s.cfg.Metrics.Applied(s.cfg.Durable, r.Seq)
			s.observe(r)
			if r.Seq >= s.head {
				if r.Seq == s.head {
					s.cfg.Logger.Info("caught up with the log", "events", s.head, "took", time.Since(started).Round(time.Millisecond))
				}
				s.markCaughtUp()
			}
			return nil
		})
	if err != nil {
		s.stopJanitor()
		if s.part != nil {
			_ = s.part.Stop(ctx)
		}
		return err
	}
	s.follow = f
	s.cfg.Metrics.WatchLag(s.cfg.Durable, func() (uint64, bool) { _, pending, ok := f.Delivered(); return pending, ok })
	go s.watchCatchUp(f)
	return nil
}

// watchCatchUp marks the projection caught up when the follower is past
// the head of the log even though the handler did not see the head event
// (a malformed event is skipped without reaching it).
func (s *Service) watchCatchUp(f *eventlog.Follower) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.caughtUp:
			return
		case <-s.stopped:
			return
		case <-t.C:
		}
		if seq, _, ok := f.Delivered(); ok && seq >= s.head {
			s.markCaughtUp()
		}
	}
}

// markCaughtUp closes CaughtUp once and has the janitor look at every
// cached picture.
func (s *Service) markCaughtUp() {
	s.caught.Do(func() {
		s.mu.Lock()
		s.dirtyAll = true
		s.mu.Unlock()
		close(s.caughtUp)
		s.poke()
		if s.part != nil {
			s.part.SetReady()
		}
	})
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

// Serving reports whether a partitioned instance answers for partition
// key now (the only instance serves every key).
func (s *Service) Serving(key string) bool { return s.part == nil || s.part.Serving(key) }

// CaughtUp is closed once the projection has applied the log as it stood
// when Start was called.
func (s *Service) CaughtUp() <-chan struct{} { return s.caughtUp }

// WaitFor blocks until the projection has applied the event at seq.
func (s *Service) WaitFor(ctx context.Context, seq uint64) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		applied := s.applied
		s.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// observe records the position an event gives its map or the directory,
// after the projection has applied it: a request that reads a position
// then finds at least that state in the projection.
func (s *Service) observe(r eventlog.Record) {
	agg, err := r.Envelope.Aggregate()
	if err != nil {
		return
	}
	d := r.Data
	if d == nil {
		d, _ = r.Envelope.Decode()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = max(s.applied, r.Seq)
	switch agg.Kind {
	case event.AreaMap:
		id := agg.ID
		s.pos[id] = r.Seq
		switch d := d.(type) {
		case *event.MapOpened:
			if d.Focus.Municipality != "" {
				s.muni[id] = d.Focus.Municipality
			}
		case *event.MapErased:
			s.erased[id] = true
			s.cfg.Keys.Forget(id)
		}
		s.dirty[mapOwner(id)] = true
		if m := s.muni[id]; m != "" {
			s.areaPos[m] = r.Seq
			s.dirty[areaOwner(m)] = true
		}
	case event.AreaDirectory:
		s.dirPos = r.Seq
		s.dirtyAll = true
	default:
		return
	}
	s.poke()
}

// poke wakes the janitor.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stop stops following the log and the janitor, and waits for both and
// for the pictures being drawn (each bounded by RenderTimeout). Calling it
// again does nothing.
func (s *Service) Stop() {
	s.stopOnce.Do(func() {
		if s.follow != nil {
			_ = s.follow.Stop()
		}
		if s.part != nil {
			if err := s.part.Stop(context.Background()); err != nil {
				s.cfg.Logger.Warn("leaving the instances", "err", err)
			}
		}
		s.stopJanitor()
		s.drawing.Wait()
	})
}

func (s *Service) stopJanitor() {
	select {
	case <-s.stopped:
	default:
		close(s.stopped)
	}
	s.janitor.Wait()
}

// Stats counts what the service did since it started.
type Stats struct {
	// Hits and Misses count requests answered from the cache and drawn.
	Hits, Misses int64
	// Stored and Deleted count cached pictures written and deleted.
	Stored, Deleted int64
	// Cached is the number of pictures in the cache now.
	Cached int
}

// Stats returns the service's counts so far.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	n := 0
	for _, names := range s.index {
		n += len(names)
	}
	s.mu.Unlock()
	return Stats{Hits: s.hits.Load(), Misses: s.misses.Load(), Stored: s.stored.Load(), Deleted: s.deleted.Load(), Cached: n}
}

func (s *Service) today() date.Date { return date.Of(s.cfg.Clock().In(s.cfg.Location)) }
