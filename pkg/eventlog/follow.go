package eventlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Handler receives events in log order. An error from a durable follower's
// handler makes the event be delivered again later; an ordered follower
// stops on the first error.
type Handler func(ctx context.Context, r Record) error

// FollowConfig chooses what a follower reads.
type FollowConfig struct {
	// From is the first sequence to deliver; 0 or 1 means the beginning.
	// Ignored by a durable follower that has already acknowledged events:
	// it resumes where it left off.
	From uint64
	// Filters restrict the subjects (e.g. AreaFilter(event.AreaMap));
	// empty means the whole log.
	Filters []string
	// OwnPosition is for a durable follower that keeps its own position
	// (a projection with snapshots): the durable consumer is created anew
	// at From on every start and acknowledges nothing, so delivery runs at
	// read speed while the name stays visible to operators. An event lost
	// on the way (a cluster node failed with it in flight) is read again:
	// the follower sees the gap in the consumer's deliveries and creates
	// the consumer anew after the last event it handled.
	OwnPosition bool
	// IdleCheck is, for a follower with OwnPosition, how long it waits
	// without an event before it asks its consumer whether an event was
	// delivered that never arrived (lost with a cluster node); 0: 5 s.
	IdleCheck time.Duration
	// Logger reports events that cannot be decoded (they are skipped, never
	// retried: a malformed event cannot become valid) and handler errors.
	Logger *slog.Logger
}

// Follower is a running follower. Stop it with Stop.
type Follower struct {
	// mu guards cc, which a follower that keeps its own position
	// replaces when it creates its consumer anew, and stopping.
	mu       sync.Mutex
	cc       jetstream.ConsumeContext
	stopping bool
	errc     chan error
	cancel   context.CancelFunc

	seq, pending atomic.Uint64
	done         atomic.Bool // seq and pending are set
}

// Delivered returns the stream sequence of the last event the follower has
// finished with (its handler returned, or it was skipped as malformed), and
// how many events matching the follower's filters were in the stream after
// it at that moment. ok is false until the first event: pending 0 then
// means the follower had caught up with the stream. Safe to call from any
// goroutine.
func (f *Follower) Delivered() (seq, pending uint64, ok bool) {
	if !f.done.Load() {
		return 0, 0, false
	}
	return f.seq.Load(), f.pending.Load(), true
}

// finished records that the follower is done with the message of md.
func (f *Follower) finished(md *jetstream.MsgMetadata) {
	f.pending.Store(md.NumPending)
	f.seq.Store(md.Sequence.Stream)
	f.done.Store(true)
}

// Stop stops intake, lets the handler finish the event it has, and waits
// until the follower has stopped. It returns the error that ended an
// ordered follower, if any.
func (f *Follower) Stop() error {
	f.mu.Lock()
	f.stopping = true
	cc := f.cc
	f.mu.Unlock()
	cc.Drain()
	<-cc.Closed()
	f.cancel()
	select {
	case err := <-f.errc:
		return err
	default:
		return nil
	}
}

// Err returns a channel that receives the error that stopped an ordered
// follower.
func (f *Follower) Err() <-chan error { return f.errc }

func (c FollowConfig) deliver() (jetstream.DeliverPolicy, uint64) {
	if c.From > 1 {
		return jetstream.DeliverByStartSequencePolicy, c.From
	}
	return jetstream.DeliverAllPolicy, 0
}

func (c FollowConfig) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Follow reads the log from cfg.From with an ordered consumer: no server
// state, gap-free, in order; for projections that keep their own position.
func (l *Log) Follow(ctx context.Context, cfg FollowConfig, h Handler) (*Follower, error) {
	policy, start := cfg.deliver()
	cons, err := l.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: cfg.Filters,
		DeliverPolicy:  policy,
		OptStartSeq:    start,
	})
	if err != nil {
		return nil, fmt.Errorf("eventlog: ordered consumer: %w", err)
	}
	return consumeStoppingOnError(ctx, cons, cfg.logger(), h)
}

// FollowDurable reads the log with the durable consumer name, which
// remembers what was acknowledged across restarts. Durable names are part
// of the public contract (see docs/events.md). The handler's events are
// acknowledged after it returns nil; on error the event is redelivered with
// back-off.
func (l *Log) FollowDurable(ctx context.Context, name string, cfg FollowConfig, h Handler) (*Follower, error) {
	policy, start := cfg.deliver()
	cc := jetstream.ConsumerConfig{
		Durable:        name,
		Description:    "Samspill follower " + name,
		DeliverPolicy:  policy,
		OptStartSeq:    start,
		AckPolicy:      jetstream.AckExplicitPolicy,
		FilterSubjects: cfg.Filters,
		MaxAckPending:  1, // strictly in order
		MaxDeliver:     -1,
	}
	if cfg.OwnPosition {
		cc.AckPolicy, cc.MaxAckPending, cc.MaxDeliver = jetstream.AckNonePolicy, 0, 0
		return l.followOwnPosition(ctx, cc, cfg.IdleCheck, cfg.logger(), h)
	}
	cons, err := l.stream.CreateOrUpdateConsumer(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("eventlog: durable consumer %s: %w", name, err)
	}
	log := cfg.logger()
	ctx, cancel := context.WithCancel(ctx)
	f := &Follower{errc: make(chan error, 1), cancel: cancel}
	consumeCtx, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			log.Error("event without metadata", "subject", m.Subject(), "err", err)
			_ = m.Term()
			return
		}
		r, err := decodeRecord(md.Sequence.Stream, m.Subject(), m.Data())
		r.Pending = md.NumPending
		if err != nil {
			log.Error("skipping malformed event", "seq", md.Sequence.Stream, "subject", m.Subject(), "err", err)
			_ = m.TermWithReason("malformed event")
			f.finished(md)
			return
		}
		if err := h(ctx, r); err != nil {
			log.Warn("handler failed; will retry", "seq", r.Seq, "err", err)
			_ = m.NakWithDelay(backoff(md.NumDelivered))
			return
		}
		if err := m.DoubleAck(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("ack failed", "seq", r.Seq, "err", err)
		}
		f.finished(md)
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("eventlog: consume %s: %w", name, err)
	}
	f.cc = consumeCtx
	return f, nil
}

// ownPosition is a durable follower that keeps its own position: its
// consumer acknowledges nothing, so JetStream delivers each event at most
// once. An event can then be lost on the way: in a cluster, a delivery in
// flight when a node or a route fails is gone, and nothing delivers it
// again. The follower would go on past it, and a projection that keeps
// its own position would never have it. So the follower checks the
// consumer's delivery sequence, which counts every delivery: a gap in it
// (or, when no event has come for a while, the consumer saying it
// delivered more than arrived) means an event was lost, and the follower
// creates its consumer anew after the last event it handled, as an
// ordered consumer does. Deliveries repeated (a consumer's new leader may
// resume a little behind the old one) are passed over when their events
// were handled. A handler error stops the follower, as in
// consumeStoppingOnError.
type ownPosition struct {
	l    *Log
	cc   jetstream.ConsumerConfig
	log  *slog.Logger
	h    Handler
	f    *Follower
	ctx  context.Context
	idle time.Duration

	// Guarded by f.mu: the generation of the consumer being read (each
	// reset makes a new one), its last delivery sequence that arrived,
	// the stream sequence to start from after a reset, when the last
	// event arrived, whether the handler is running, whether a reset is
	// under way, and whether a handler error stopped the follower.
	gen, consumerSeq, next  uint64
	lastArrival             time.Time
	busy, resetting, failed bool
}

// defaultIdleCheck is FollowConfig.IdleCheck's default.
const defaultIdleCheck = 5 * time.Second

var errStopping = errors.New("eventlog: follower stopping")

func (l *Log) followOwnPosition(ctx context.Context, cc jetstream.ConsumerConfig, idle time.Duration, log *slog.Logger, h Handler) (*Follower, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &Follower{errc: make(chan error, 1), cancel: cancel}
	if idle <= 0 {
		idle = defaultIdleCheck
	}
	o := &ownPosition{l: l, cc: cc, log: log, h: h, f: f, ctx: ctx, idle: idle, next: max(cc.OptStartSeq, 1), lastArrival: time.Now()}
	if err := o.start(0, o.next); err != nil {
		cancel()
		return nil, err
	}
	return f, nil
}

// start creates the consumer at the stream sequence from (anew: a
// consumer's start cannot be changed) and reads it as generation g.
func (o *ownPosition) start(g, from uint64) error {
	if err := o.l.stream.DeleteConsumer(o.ctx, o.cc.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("eventlog: reset durable consumer %s: %w", o.cc.Durable, err)
	}
	c := o.cc
	c.DeliverPolicy, c.OptStartSeq = jetstream.DeliverAllPolicy, 0
	if from > 1 {
		c.DeliverPolicy, c.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := o.l.stream.CreateOrUpdateConsumer(o.ctx, c)
	if err != nil {
		return fmt.Errorf("eventlog: durable consumer %s: %w", o.cc.Durable, err)
	}
	// Deliveries wait for f.mu, so none is handled before f.cc is set.
	o.f.mu.Lock()
	defer o.f.mu.Unlock()
	if o.f.stopping || g != o.gen {
		return errStopping
	}
	cctx, err := cons.Consume(func(m jetstream.Msg) { o.deliver(g, m) })
	if err != nil {
		return fmt.Errorf("eventlog: consume: %w", err)
	}
	o.f.cc, o.resetting = cctx, false
	go o.watchIdle(g, cons, cctx)
	return nil
}

// deliver handles one delivery of generation g.
func (o *ownPosition) deliver(g uint64, m jetstream.Msg) {
	f := o.f
	f.mu.Lock()
	if g != o.gen || o.failed || o.resetting {
		f.mu.Unlock()
		return // a consumer replaced, or stopped
	}
	md, err := m.Metadata()
	if err != nil {
		f.mu.Unlock()
		o.log.Error("event without metadata", "subject", m.Subject(), "err", err)
		return
	}
	o.lastArrival = time.Now()
	if md.Sequence.Consumer <= o.consumerSeq && md.Sequence.Stream < o.next {
		// Handled already: a consumer's new leader in a cluster may
		// start from a delivery state a little behind the old one's.
		f.mu.Unlock()
		return
	}
	if md.Sequence.Consumer != o.consumerSeq+1 {
		f.mu.Unlock()
		o.reset(g, fmt.Sprintf("delivery %d arrived after %d", md.Sequence.Consumer, o.consumerSeq))
		return
	}
	o.consumerSeq, o.busy = md.Sequence.Consumer, true
	f.mu.Unlock()
	r, err := decodeRecord(md.Sequence.Stream, m.Subject(), m.Data())
	r.Pending = md.NumPending
	if err != nil {
		o.log.Error("skipping malformed event", "seq", md.Sequence.Stream, "subject", m.Subject(), "err", err)
	} else if err := o.h(o.ctx, r); err != nil {
		f.mu.Lock()
		o.failed, o.busy = true, false
		cctx := f.cc
		f.mu.Unlock()
		f.errc <- fmt.Errorf("eventlog: handler at %d: %w", r.Seq, err)
		go cctx.Stop()
		return
	}
	f.mu.Lock()
	o.next, o.busy = md.Sequence.Stream+1, false
	f.mu.Unlock()
	f.finished(md)
}

// reset replaces generation g's consumer with one that starts after the
// last event handled, retrying until it succeeds or the follower stops.
func (o *ownPosition) reset(g uint64, why string) {
	f := o.f
	f.mu.Lock()
	if g != o.gen || o.resetting || o.failed || f.stopping {
		f.mu.Unlock()
		return
	}
	o.resetting = true
	old, from := f.cc, o.next
	f.mu.Unlock()
	o.log.Warn("events lost on the way: reading the log again after the last one handled", "consumer", o.cc.Durable, "from", from, "why", why)
	old.Stop()
	go func() {
		for n := uint64(1); ; n++ {
			f.mu.Lock()
			if f.stopping || o.ctx.Err() != nil {
				f.mu.Unlock()
				return
			}
			o.gen++
			g := o.gen
			o.consumerSeq, o.lastArrival = 0, time.Now()
			f.mu.Unlock()
			err := o.start(g, from)
			if err == nil || errors.Is(err, errStopping) {
				return
			}
			o.log.Warn("consumer not created again; will retry", "consumer", o.cc.Durable, "err", err)
			select {
			case <-o.ctx.Done():
				return
			case <-time.After(backoff(n)):
			}
		}
	}()
}

// watchIdle asks generation g's consumer, whenever no event has come for
// o.idle, whether it delivered more than arrived: an event lost after
// which none comes shows only there.
func (o *ownPosition) watchIdle(g uint64, cons jetstream.Consumer, cctx jetstream.ConsumeContext) {
	t := time.NewTicker(o.idle)
	defer t.Stop()
	closed := cctx.Closed()
	for {
		select {
		case <-o.ctx.Done():
			return
		case <-closed:
			return
		case <-t.C:
		}
		o.f.mu.Lock()
		idle := g == o.gen && !o.busy && !o.resetting && !o.failed && time.Since(o.lastArrival) >= o.idle
		seen := o.consumerSeq
		o.f.mu.Unlock()
		if !idle {
			continue
		}
		ctx, cancel := context.WithTimeout(o.ctx, o.idle)
		info, err := cons.Info(ctx)
		cancel()
		if err != nil {
			continue
		}
		o.f.mu.Lock()
		still := o.consumerSeq == seen
		o.f.mu.Unlock()
		if still && info.Delivered.Consumer > seen {
			o.reset(g, fmt.Sprintf("the consumer delivered %d, %d arrived", info.Delivered.Consumer, seen))
		}
	}
}

// consumeStoppingOnError delivers in order without acknowledgements; a
// handler error stops the follower, since the caller's position would
// otherwise skip the event.
func consumeStoppingOnError(ctx context.Context, cons jetstream.Consumer, log *slog.Logger, h Handler) (*Follower, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &Follower{errc: make(chan error, 1), cancel: cancel}
	stopped := false
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if stopped {
			return
		}
		md, err := m.Metadata()
		if err != nil {
			log.Error("event without metadata", "subject", m.Subject(), "err", err)
			return
		}
		r, err := decodeRecord(md.Sequence.Stream, m.Subject(), m.Data())
		r.Pending = md.NumPending
		if err != nil {
			log.Error("skipping malformed event", "seq", md.Sequence.Stream, "subject", m.Subject(), "err", err)
			f.finished(md)
			return
		}
		if err := h(ctx, r); err != nil {
			stopped = true
			f.errc <- fmt.Errorf("eventlog: handler at %d: %w", r.Seq, err)
			go f.cc.Stop()
			return
		}
		f.finished(md)
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("eventlog: consume: %w", err)
	}
	f.cc = cc
	return f, nil
}
