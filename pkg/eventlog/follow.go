package eventlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

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
	// read speed while the name stays visible to operators.
	OwnPosition bool
	// Logger reports events that cannot be decoded (they are skipped, never
	// retried: a malformed event cannot become valid) and handler errors.
	Logger *slog.Logger
}

// Follower is a running follower. Stop it with Stop.
type Follower struct {
	cc     jetstream.ConsumeContext
	errc   chan error
	cancel context.CancelFunc

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
	f.cc.Drain()
	<-f.cc.Closed()
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
		if err := l.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("eventlog: reset durable consumer %s: %w", name, err)
		}
		cc.AckPolicy, cc.MaxAckPending, cc.MaxDeliver = jetstream.AckNonePolicy, 0, 0
	}
	cons, err := l.stream.CreateOrUpdateConsumer(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("eventlog: durable consumer %s: %w", name, err)
	}
	log := cfg.logger()
	ctx, cancel := context.WithCancel(ctx)
	f := &Follower{errc: make(chan error, 1), cancel: cancel}
	if cfg.OwnPosition {
		return consumeStoppingOnError(ctx, cons, log, h)
	}
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
