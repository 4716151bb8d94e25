package gap

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

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/partition"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Config configures a Service. The zero value gives the defaults.
type Config struct {
	// Gaps holds the thresholds of the rules P1–P14; nil means
	// gaps.DefaultConfig(). A rule switched off in Disabled neither opens
	// nor closes gaps.
	Gaps *gaps.Config
	// System holds the thresholds of the system-wide rules S1–S10; nil
	// means gaps.DefaultSystemConfig() with Gaps as its citizen rules.
	System *gaps.SystemConfig
	// SystemInterval is the shortest time between two evaluations of the
	// system-wide rules of one municipality (default 1 min): a
	// municipality whose maps change is evaluated at once, and again at
	// most this often while they keep changing. Negative: the system-wide
	// rules are not evaluated.
	SystemInterval time.Duration
	// Reevaluate is how often every map is evaluated again although none
	// of its events arrived, because rules such as P10 (cold relation)
	// depend on the date; default 24 h, negative: never. With it, every
	// map is also evaluated again when the date changes (at midnight in
	// Location).
	Reevaluate time.Duration
	// SettleDelay is the longest a changed map waits for its evaluation
	// while the log is still delivering events (default 100 ms). Once the
	// service has caught up with the log, changed maps are evaluated at
	// once: the event that catches up wakes the evaluation.
	SettleDelay time.Duration
	// Workers is how many maps are evaluated at once (default 4).
	Workers int
	// Durable is the name of the durable consumer on SAMSPILL_EVENTS
	// (default samspill-gap). Two instances running at once need two.
	Durable string
	// Replicas of SAMSPILL_GAPS: 1 on a single node, 3 in a cluster.
	Replicas int
	// Clock gives "now"; Location is where "today" is reckoned (default
	// Europe/Oslo).
	Clock    func() time.Time
	Location *time.Location
	Logger   *slog.Logger
	// Metrics counts the gap transitions published and the projection's
	// progress (projection: the Durable name); nil: none.
	Metrics *telemetry.Metrics
	// Verifier checks the assertion of every NATS query (header
	// Samspill-Assertion); nil: no NATS query names a principal, so every
	// one is refused as unauthenticated. Over HTTP the principal comes
	// from the request's context (access.HTTP at the edge).
	Verifier *access.Verifier
	// Audit records every decision about a map or an area before it is
	// answered (an *audit.Writer made with audit.NewWriter(js, "gap",
	// nil)). Required: New and Boot refuse to start without it.
	Audit access.Recorder
	// Partition, when set, makes this one of several instances that share
	// the maps by municipality (package partition): each evaluates the
	// maps and the system-wide rules of the municipalities it holds, with
	// Conn (Boot's connection) for asking the others; nil: the only
	// instance. Transitions stay exactly once while two instances hold a
	// partition during a hand-over (Nats-Msg-Id <gapId>:<n>).
	Partition *partition.GroupConfig
	Conn      *nats.Conn
}

// errAuditRequired refuses a service without an audit trail: a read of a
// citizen map's gaps that cannot be audited must not be served.
var errAuditRequired = errors.New("gap: Config.Audit is required: every read of a map's or an area's gaps is audited before it is answered (audit.NewWriter(js, \"gap\", nil))")

func (c *Config) defaults() error {
	if c.Audit == nil {
		return errAuditRequired
	}
	if c.Gaps == nil {
		d := gaps.DefaultConfig()
		c.Gaps = &d
	}
	if err := c.Gaps.Validate(); err != nil {
		return fmt.Errorf("gap: %w", err)
	}
	if c.System == nil {
		d := gaps.DefaultSystemConfig()
		d.Citizen = *c.Gaps
		c.System = &d
	}
	if err := c.System.Validate(); err != nil {
		return fmt.Errorf("gap: %w", err)
	}
	if c.SystemInterval == 0 {
		c.SystemInterval = time.Minute
	}
	if c.Reevaluate == 0 {
		c.Reevaluate = 24 * time.Hour
	}
	if c.SettleDelay <= 0 {
		c.SettleDelay = 100 * time.Millisecond
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Durable == "" {
		c.Durable = Durable
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
	return nil
}

// Service is the gap service.
type Service struct {
	cfg    Config
	js     jetstream.JetStream
	log    *eventlog.Log
	stream jetstream.Stream
	store  *projection.Store
	guard  *access.Guard
	ledger *ledger

	events  *eventlog.Follower
	part    *partition.Instance
	history jetstream.ConsumeContext // follows SAMSPILL_GAPS

	// Written by the event handler, read by the evaluation loop.
	mu    sync.Mutex
	dirty map[string]time.Time // map id → when it first changed since its last evaluation
	retry map[string]time.Time // map id → not before, after a failed evaluation
	maps  map[string]mapInfo
	// areaDirty and areaLast are for the system-wide rules: municipality
	// → when its maps first changed since its last evaluation, and when
	// that evaluation was.
	areaDirty map[string]time.Time
	areaLast  map[string]time.Time
	// directoryChanged is when the directory first changed since the
	// system-wide rules last took note: an entry may be named by maps of
	// any municipality, so every municipality is due.
	directoryChanged time.Time
	lastCmd          string // commandid of the last event applied
	applied          uint64 // sequence of the last event applied and marked
	// caught: the last event applied was the last in the log when it was
	// delivered (its Pending was 0).
	caught    bool
	started   bool // the first evaluation of every map is done
	busy      int  // evaluation passes running (maps, areas)
	lastSeen  atomic.Uint64
	headStart uint64 // the log's last sequence when Start was called
	// wake tells the loop that the log has caught up: changed maps are
	// evaluated at once rather than at the next poll.
	wake chan struct{}

	// opened and closed count the transitions this instance published.
	opened, closed atomic.Int64

	evalMu   sync.Mutex // one evaluation pass of maps at a time
	areaMu   sync.Mutex // one evaluation pass of the system-wide rules at a time
	ready    chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// mapInfo is what the service remembers of a map between evaluations.
type mapInfo struct {
	municipality string
	seq          uint64 // sequence of the map's last event
	cmd          string // commandid of the map's last event
}

// New opens (creates or updates) SAMSPILL_GAPS and returns a service that
// is not yet running.
func New(ctx context.Context, js jetstream.JetStream, log *eventlog.Log, cfg Config) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.Partition != nil && cfg.Conn == nil {
		return nil, errors.New("gap: Config.Conn is required with Config.Partition")
	}
	st, err := js.CreateOrUpdateStream(ctx, StreamConfig(cfg.Replicas))
	if err != nil {
		return nil, fmt.Errorf("gap: create stream %s: %w", Stream, err)
	}
	store := projection.NewStore()
	return &Service{cfg: cfg, js: js, log: log, stream: st, store: store, guard: access.NewGuard(cfg.Audit, store.Assigned, cfg.Logger).WithCatchUp(access.CatchUp(log.Head, store.Position)), ledger: newLedger(),
		dirty: map[string]time.Time{}, retry: map[string]time.Time{}, maps: map[string]mapInfo{}, areaDirty: map[string]time.Time{}, areaLast: map[string]time.Time{},
		wake: make(chan struct{}, 1), ready: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Start rebuilds the state of every gap from SAMSPILL_GAPS, then follows
// the event log with the durable consumer from the beginning and starts
// evaluating: once it has caught up with the log, every map once, then
// every map whose events arrive, and every map again each Reevaluate.
func (s *Service) Start(ctx context.Context) error {
	began := time.Now()
	if err := s.followHistory(ctx); err != nil {
		return err
	}
	known, open := s.ledger.counts()
	head, err := s.log.Head(ctx)
	if err != nil {
		return err
	}
	s.headStart = head
	s.cfg.Logger.Info("gap state rebuilt from "+Stream, "gaps", known, "open", open, "took", time.Since(began).Round(time.Millisecond), "logHead", head)
	follow := func(ctx context.Context, cfg eventlog.FollowConfig, h eventlog.Handler) (*eventlog.Follower, error) {
		return s.log.FollowDurable(ctx, s.cfg.Durable, cfg, h)
	}
	if s.cfg.Partition != nil {
		p, err := partition.New(ctx, s.cfg.Conn, s.js, s.log, handing{s.store, s}, partition.Config{Group: *s.cfg.Partition,
			Adopted: s.adopted})
		if err != nil {
			s.history.Stop()
			return fmt.Errorf("gap: %w", err)
		}
		s.part = p
		// Instances read the log each with an ordered consumer of its own.
		follow = s.log.Follow
	}
	f, err := follow(ctx, eventlog.FollowConfig{OwnPosition: true, Logger: s.cfg.Logger}, s.apply)
	if err != nil {
		s.history.Stop()
		if s.part != nil {
			_ = s.part.Stop(ctx)
		}
		return err
	}
	s.events = f
	s.cfg.Metrics.WatchLag(s.cfg.Durable, func() (uint64, bool) { _, pending, ok := f.Delivered(); return pending, ok })
	go s.loop(ctx)
	return nil
}

// Stop stops following the log and the gap stream and waits for a running
// evaluation to finish. Calling it again does nothing.
func (s *Service) Stop() {
	s.stopOnce.Do(func() {
		if s.events != nil {
			_ = s.events.Stop()
		}
		if s.part != nil {
			if err := s.part.Stop(context.Background()); err != nil {
				s.cfg.Logger.Warn("leaving the instances", "err", err)
			}
		}
		close(s.stop)
		if s.events != nil {
			<-s.done
		}
		if s.history != nil {
			s.history.Drain()
			<-s.history.Closed()
		}
	})
}

// Ready is closed once the service has caught up with the log and
// evaluated every map once.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Store returns the projection the service keeps.
func (s *Service) Store() *projection.Store { return s.store }

// apply is the handler of the event log: it adds the event to the
// projection and marks its map changed.
func (s *Service) apply(_ context.Context, r eventlog.Record) error {
	s.lastSeen.Store(r.Seq)
	defer s.caughtWith(r)
	if s.part == nil {
		return s.applyHeld(r)
	}
	var err error
	s.part.Apply(r, func() { err = s.applyHeld(r) }, func() {
		// Another instance's map: the position moves over it.
		s.store.Advance(r.Seq)
		s.cfg.Metrics.Applied(s.cfg.Durable, r.Seq)
		s.mu.Lock()
		s.lastCmd, s.applied = r.Envelope.CommandID, r.Seq
		s.mu.Unlock()
	})
	return err
}

// caughtWith notes, once r is applied, whether it was the last event in
// the log when it was delivered, and if so wakes the evaluation: the
// command's gap opens as soon as its event is in, not at the next poll.
func (s *Service) caughtWith(r eventlog.Record) {
	caught := r.Pending == 0
	s.mu.Lock()
	s.caught = caught && s.applied == r.Seq
	s.mu.Unlock()
	if caught {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// adopted takes the maps handed over to this instance into the
// evaluation: each is evaluated at once (the ledger, read from
// SAMSPILL_GAPS, knows what the previous holder published), and so are
// the system-wide rules of its municipality.
func (s *Service) adopted(ids []string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		h, ok := s.store.History(id)
		if !ok {
			continue
		}
		var m mapInfo
		for _, f := range h.Facts {
			if o, ok := f.Data.(*event.MapOpened); ok {
				m.municipality = o.Focus.Municipality
			}
			m.seq = max(m.seq, f.Seq)
		}
		for _, a := range h.Access {
			m.seq = max(m.seq, a.Seq)
		}
		s.maps[id] = m
		s.dirty[id] = now
		s.areaChanged(m.municipality, now)
	}
}

// handing is the projection as a partitioned instance holds it: the maps
// it hands to another instance leave the evaluation (forgotten) before
// the store forgets them, so that an evaluation that finds its maps still
// held once it has read them read them whole, and one that does not
// publishes nothing (the new holder evaluates them).
type handing struct {
	*projection.Store
	s *Service
}

func (h handing) Forget(ids []string) int {
	h.s.forgotten(ids)
	return h.Store.Forget(ids)
}

// forgotten drops the maps handed to another instance, and the
// system-wide rules of their municipalities, from the evaluation.
func (s *Service) forgotten(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		m := s.maps[id]
		delete(s.maps, id)
		delete(s.dirty, id)
		delete(s.retry, id)
		if m.municipality != "" && !s.knownAreaLocked(m.municipality) {
			delete(s.areaDirty, m.municipality)
			delete(s.areaLast, m.municipality)
		}
	}
}

// knownAreaLocked reports whether the instance holds a map of
// municipality; s.mu is held.
func (s *Service) knownAreaLocked(municipality string) bool {
	for _, m := range s.maps {
		if m.municipality == municipality {
			return true
		}
	}
	return false
}

// applyHeld adds an event of the directory or of a map this instance holds
// to the projection and marks its map changed.
func (s *Service) applyHeld(r eventlog.Record) error {
	if err := s.store.Apply(r); err != nil {
		s.cfg.Logger.Error("event not applied", "seq", r.Seq, "err", err)
	}
	s.cfg.Metrics.Applied(s.cfg.Durable, r.Seq)
	agg, err := r.Envelope.Aggregate()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastCmd = r.Envelope.CommandID
	s.applied = r.Seq
	if err != nil {
		return nil
	}
	now := time.Now()
	switch agg.Kind {
	case event.AreaMap:
		m := s.maps[agg.ID]
		if o, ok := r.Data.(*event.MapOpened); ok {
			m.municipality = o.Focus.Municipality
		}
		m.seq, m.cmd = r.Seq, r.Envelope.CommandID
		s.maps[agg.ID] = m
		if _, ok := s.dirty[agg.ID]; !ok {
			s.dirty[agg.ID] = now
		}
		s.areaChanged(m.municipality, now)
	case event.AreaDirectory:
		if s.cfg.SystemInterval >= 0 && s.directoryChanged.IsZero() {
			s.directoryChanged = now
		}
	}
	return nil
}

// areaChanged marks a municipality's system-wide rules due; s.mu is held.
func (s *Service) areaChanged(municipality string, now time.Time) {
	if s.cfg.SystemInterval < 0 || municipality == "" {
		return
	}
	if _, ok := s.areaDirty[municipality]; !ok {
		s.areaDirty[municipality] = now
	}
}

// caughtUp reports whether the follower has delivered everything the log
// held at its last delivery, and the handler has finished with it: as the
// handler recorded it (at once), or as the follower did (a moment after
// the handler returns, and past malformed events the handler never sees).
func (s *Service) caughtUp() bool {
	s.mu.Lock()
	caught := s.caught && s.applied >= s.lastSeen.Load()
	s.mu.Unlock()
	if caught {
		return true
	}
	seq, pending, ok := s.events.Delivered()
	if !ok {
		return s.headStart == 0
	}
	return pending == 0 && seq >= s.lastSeen.Load()
}

// replayed reports whether the follower has reached the head of the log as
// it was at Start.
func (s *Service) replayed() bool {
	seq, _, ok := s.events.Delivered()
	return s.headStart == 0 || ok && seq >= s.headStart
}

func (s *Service) today() date.Date { return date.Of(s.cfg.Clock().In(s.cfg.Location)) }

// loop evaluates: every map once when the replay is done, changed maps as
// they settle (at once when the log has caught up), and every map each
// Reevaluate. The system-wide rules of changed municipalities are
// evaluated beside it (areaLoop), so that a municipality's evaluation,
// tens of milliseconds, never holds up a changed map's.
func (s *Service) loop(ctx context.Context) {
	var areas sync.WaitGroup
	defer close(s.done)
	defer areas.Wait()
	areaDue := make(chan struct{}, 1)
	poll := time.NewTicker(max(s.cfg.SettleDelay/4, 5*time.Millisecond))
	defer poll.Stop()
	var reevaluate <-chan time.Time
	if s.cfg.Reevaluate > 0 {
		t := time.NewTicker(s.cfg.Reevaluate)
		defer t.Stop()
		reevaluate = t.C
	}
	due := false
	var evaluatedOn date.Date // the date of the last evaluation of every map
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-s.wake:
		case <-reevaluate:
			due = true
		}
		s.mu.Lock()
		started := s.started
		s.mu.Unlock()
		if started && reevaluate != nil && s.today() != evaluatedOn {
			due = true
		}
		switch {
		case !started:
			if !s.replayed() {
				continue
			}
			evaluatedOn = s.today()
			o, c, began := s.opened.Load(), s.closed.Load(), time.Now()
			n, err := s.evaluateAll(ctx)
			if err != nil {
				s.cfg.Logger.Error("first evaluation", "err", err)
			}
			s.cfg.Logger.Info("every map evaluated", "maps", n, "opened", s.opened.Load()-o, "closed", s.closed.Load()-c,
				"took", time.Since(began).Round(time.Millisecond))
			if err := s.evaluateAreas(ctx, true); err != nil {
				s.cfg.Logger.Error("first evaluation of the system-wide rules", "err", err)
			}
			s.mu.Lock()
			s.started = true
			s.mu.Unlock()
			areas.Go(func() { s.areaLoop(ctx, areaDue) })
			close(s.ready)
			if s.part != nil {
				s.part.SetReady()
			}
			known, open := s.ledger.counts()
			s.cfg.Logger.Info("gap service ready", "gaps", known, "open", open, "took", time.Since(began).Round(time.Millisecond))
		case due:
			due, evaluatedOn = false, s.today()
			o, c, began := s.opened.Load(), s.closed.Load(), time.Now()
			n, err := s.evaluateAll(ctx)
			if err != nil {
				s.cfg.Logger.Error("re-evaluation", "err", err)
			}
			s.cfg.Logger.Info("every map evaluated again", "maps", n, "opened", s.opened.Load()-o, "closed", s.closed.Load()-c,
				"took", time.Since(began).Round(time.Millisecond))
			if err := s.evaluateAreas(ctx, true); err != nil {
				s.cfg.Logger.Error("re-evaluation of the system-wide rules", "err", err)
			}
		default:
			o, c := s.opened.Load(), s.closed.Load()
			n, err := s.evaluateDirty(ctx)
			if err != nil {
				s.cfg.Logger.Error("evaluation", "err", err)
			}
			if o, c := s.opened.Load()-o, s.closed.Load()-c; o+c > 0 {
				s.cfg.Logger.Info("changed maps evaluated", "maps", n, "opened", o, "closed", c)
			}
			select {
			case areaDue <- struct{}{}:
			default: // areaLoop is busy; it looks again when done
			}
		}
	}
}

// areaLoop evaluates the system-wide rules that are due each time the
// loop says so, until the service stops.
func (s *Service) areaLoop(ctx context.Context, due <-chan struct{}) {
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-due:
		}
		if err := s.evaluateAreas(ctx, false); err != nil {
			s.cfg.Logger.Error("evaluation of the system-wide rules", "err", err)
		}
	}
}

// Reevaluate evaluates every map now, as the daily re-evaluation does, and
// returns when it is done. It waits for the first evaluation if that is
// still running.
func (s *Service) Reevaluate(ctx context.Context) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := s.evaluateAll(ctx); err != nil {
		return err
	}
	return s.evaluateAreas(ctx, true)
}

// take removes from the changed maps those ready for evaluation and
// returns them: all of them when the service has caught up with the log;
// otherwise (the log is still delivering) those that changed at least
// SettleDelay ago, except a map whose last event belongs to the command
// being delivered (an import's atomic batch is delivered one event at a
// time; its map is evaluated once the whole batch is in). With all, every
// map is taken, under the same rule.
func (s *Service) take(all bool) []string {
	caught := s.caughtUp()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	settled := func(id string) bool {
		return caught || s.maps[id].cmd != s.lastCmd
	}
	if all {
		for id := range s.maps {
			if _, changed := s.dirty[id]; !changed || settled(id) {
				out = append(out, id)
				delete(s.dirty, id)
				delete(s.retry, id)
			}
		}
	} else {
		now := time.Now()
		for id, since := range s.dirty {
			if now.Before(s.retry[id]) {
				continue
			}
			if caught || now.Sub(since) >= s.cfg.SettleDelay && settled(id) {
				out = append(out, id)
				delete(s.dirty, id)
				delete(s.retry, id)
			}
		}
	}
	if len(out) > 0 {
		s.busy++
	}
	return out
}

func (s *Service) evaluateDirty(ctx context.Context) (int, error) {
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	ids := s.take(false)
	if len(ids) == 0 {
		return 0, nil
	}
	defer s.idle()
	return len(ids), s.evaluateMaps(ctx, ids)
}

func (s *Service) evaluateAll(ctx context.Context) (int, error) {
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	ids := s.take(true)
	if len(ids) == 0 {
		return 0, nil
	}
	defer s.idle()
	return len(ids), s.evaluateMaps(ctx, ids)
}

// idle ends an evaluation pass that take or takeAreas counted.
func (s *Service) idle() {
	s.mu.Lock()
	s.busy--
	s.mu.Unlock()
}

// evaluateMaps evaluates maps on Workers goroutines and returns the first
// error; a map whose evaluation failed is marked changed again.
func (s *Service) evaluateMaps(ctx context.Context, ids []string) error {
	today := s.today()
	work := make(chan string)
	var wg sync.WaitGroup
	var first error
	var errMu sync.Mutex
	for range min(s.cfg.Workers, len(ids)) {
		wg.Go(func() {
			for id := range work {
				if err := s.evaluateMap(ctx, id, today); err != nil {
					s.cfg.Logger.Error("map not evaluated; will retry in a second", "map", id, "err", err)
					s.mu.Lock()
					if _, ok := s.dirty[id]; !ok {
						s.dirty[id] = time.Now()
					}
					s.retry[id] = time.Now().Add(time.Second)
					s.mu.Unlock()
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
				}
			}
		})
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
			break feed
		case <-s.stop: // shutting down: the next start evaluates every map anyway
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		first = ctx.Err()
	}
	return first
}

// Settled waits until the service has applied the event at seq of the log
// and evaluated every map it changed. For tests and tools.
func (s *Service) Settled(ctx context.Context, seq uint64) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		ok := s.started && s.applied >= seq && len(s.dirty) == 0 && len(s.areaDirty) == 0 && s.directoryChanged.IsZero() && s.busy == 0
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gap: not settled at %d: %w", seq, ctx.Err())
		case <-t.C:
		}
	}
}
