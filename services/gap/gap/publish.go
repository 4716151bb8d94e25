package gap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/telemetry"
)

// maxAttempts bounds how often one transition is tried again after
// another instance of the service got there first.
const maxAttempts = 8

// publish publishes one transition of a gap (data is *event.GapOpened or
// *event.GapClosed) exactly once: as the gap's next transition n, with
// Nats-Msg-Id <gapId>:<n>, guarded by the stream sequence of its previous
// transition over the gap's subjects. When another instance published
// first, it reads the gap's last transition again and decides anew: the
// transition may be there already, or rest on a later state of the map,
// and then there is nothing to do.
func (s *Service) publish(ctx context.Context, gapID string, data event.Data) error {
	open, position, at := transition(data)
	h, err := headOf(gapID, data)
	if err != nil {
		return err
	}
	filter := Filter(h.municipality, h.mapID, h.rule, gapID)
	for attempt := 1; ; attempt++ {
		r, known := s.ledger.get(gapID)
		switch {
		case known && r.open == open, !known && !open:
			return nil // already so
		case known && r.newerThan(position, at):
			s.cfg.Logger.Debug("gap has a transition on a later state; not overriding it", "gap", gapID, "position", position, "theirs", r.position)
			return nil
		}
		n := r.n + 1
		m, err := s.message(gapID, n, h, data)
		if err != nil {
			return err
		}
		ack, err := eventlog.PublishGuarded(ctx, s.js, m, r.seq, filter)
		if err == nil && !ack.Duplicate {
			s.ledger.apply(ack.Sequence, n, data)
			s.logTransition(gapID, data, ack.Sequence, n)
			return nil
		}
		if err != nil && !errors.Is(err, eventlog.ErrConflict) && !errors.Is(err, eventlog.ErrDuplicate) {
			return fmt.Errorf("gap %s: publish transition %d: %w", gapID, n, err)
		}
		if attempt == maxAttempts {
			return fmt.Errorf("gap %s: transition %d still conflicts after %d attempts", gapID, n, attempt)
		}
		if errors.Is(err, eventlog.ErrDuplicate) {
			time.Sleep(time.Duration(attempt) * 5 * time.Millisecond) // the other copy is being stored
		}
		if err := s.reload(ctx, gapID, filter); err != nil {
			return err
		}
	}
}

func transition(d event.Data) (open bool, position uint64, at date.Date) {
	switch d := d.(type) {
	case *event.GapOpened:
		return true, d.Position, d.EvaluatedAt
	case *event.GapClosed:
		return false, d.Position, d.EvaluatedAt
	}
	return false, 0, date.Date{}
}

func (s *Service) logTransition(gapID string, data event.Data, seq uint64, n int) {
	switch d := data.(type) {
	case *event.GapOpened:
		s.opened.Add(1)
		s.cfg.Metrics.GapTransition(d.Rule, telemetry.TransitionOpened)
		s.cfg.Logger.Debug("gap opened", "gap", gapID, "rule", d.Rule, "map", d.MapID, "municipality", d.Municipality, "seq", seq, "n", n)
	case *event.GapClosed:
		s.closed.Add(1)
		s.cfg.Metrics.GapTransition(d.Rule, telemetry.TransitionClosed)
		s.cfg.Logger.Debug("gap closed", "gap", gapID, "rule", d.Rule, "map", d.MapID, "municipality", d.Municipality, "reason", d.Reason, "seq", seq, "n", n)
	}
}

// head is what a transition's subject is made of.
type head struct {
	municipality, mapID, rule, transition string
	at                                    date.Date
}

// headOf returns the head of a transition (data is *event.GapOpened or
// *event.GapClosed).
func headOf(gapID string, data event.Data) (head, error) {
	switch d := data.(type) {
	case *event.GapOpened:
		return head{d.Municipality, d.MapID, d.Rule, Opened, d.EvaluatedAt}, nil
	case *event.GapClosed:
		return head{d.Municipality, d.MapID, d.Rule, Closed, d.EvaluatedAt}, nil
	}
	return head{}, fmt.Errorf("gap %s: %T is not a gap transition", gapID, data)
}

// message builds the NATS message of the n-th transition of a gap (h is
// its head), checked
// against the contract.
func (s *Service) message(gapID string, n int, h head, data event.Data) (*nats.Msg, error) {
	env, err := event.New(event.GapAggregate(gapID), Source, h.at, data)
	if err != nil {
		return nil, err
	}
	env.CommandID = TransitionID(gapID, n)
	env.ID = eventlog.EventID(env.CommandID, 0)
	env.Time = s.cfg.Clock().UTC()
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("gap %s: %w", gapID, err)
	}
	if _, err := env.Decode(); err != nil {
		return nil, fmt.Errorf("gap %s: %w", gapID, err)
	}
	b, err := event.Marshal(env)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(Subject(h.municipality, h.mapID, h.rule, gapID, h.transition))
	m.Data = b
	m.Header.Set(jetstream.MsgIDHeader, MsgID(gapID, n))
	m.Header.Set(eventlog.HeaderCommandID, env.CommandID)
	m.Header.Set(eventlog.HeaderType, string(env.Type))
	return m, nil
}

// decodeTransition reads a stored transition: its number n (from
// Nats-Msg-Id) and its data.
func decodeTransition(subject string, header nats.Header, data []byte) (int, event.Data, error) {
	p, err := ParseSubject(subject)
	if err != nil {
		return 0, nil, err
	}
	_, d, err := event.Unmarshal(data)
	if err != nil {
		return 0, nil, err
	}
	switch d := d.(type) {
	case *event.GapOpened:
		if d.GapID != p.GapID || p.Transition != Opened {
			return 0, nil, fmt.Errorf("gap: %s does not match its subject %s", d.EventType(), subject)
		}
	case *event.GapClosed:
		if d.GapID != p.GapID || p.Transition != Closed {
			return 0, nil, fmt.Errorf("gap: %s does not match its subject %s", d.EventType(), subject)
		}
	default:
		return 0, nil, fmt.Errorf("gap: %s on %s is not a gap transition", d.EventType(), subject)
	}
	n, ok := parseMsgID(p.GapID, header.Get(jetstream.MsgIDHeader))
	if !ok {
		return 0, nil, fmt.Errorf("gap: %s has no Nats-Msg-Id <gapId>:<n>", subject)
	}
	return n, d, nil
}

// reload reads a gap's last transition from the stream into the ledger.
func (s *Service) reload(ctx context.Context, gapID, filter string) error {
	m, err := s.stream.GetLastMsgForSubject(ctx, filter)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gap %s: read last transition: %w", gapID, err)
	}
	n, d, err := decodeTransition(m.Subject, m.Header, m.Data)
	if err != nil {
		return err
	}
	s.ledger.apply(m.Sequence, n, d)
	return nil
}

// followHistory reads SAMSPILL_GAPS from the beginning into the ledger with
// an ordered consumer (the last transition of each gap wins), returns once
// it has read what the stream held, and keeps following it, so that the
// ledger also learns what other instances publish.
func (s *Service) followHistory(ctx context.Context) error {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("gap: %s info: %w", Stream, err)
	}
	last := info.State.LastSeq
	cons, err := s.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return fmt.Errorf("gap: read %s: %w", Stream, err)
	}
	caught := make(chan struct{})
	closed := false
	if last == 0 || info.State.Msgs == 0 {
		close(caught)
		closed = true
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		n, d, err := decodeTransition(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			s.cfg.Logger.Error("skipping malformed gap transition", "seq", md.Sequence.Stream, "subject", m.Subject(), "err", err)
		} else {
			s.ledger.apply(md.Sequence.Stream, n, d)
		}
		if !closed && (md.Sequence.Stream >= last || md.NumPending == 0) {
			closed = true
			close(caught)
		}
	})
	if err != nil {
		return fmt.Errorf("gap: read %s: %w", Stream, err)
	}
	select {
	case <-caught:
	case <-ctx.Done():
		cc.Stop()
		return fmt.Errorf("gap: read %s: %w", Stream, ctx.Err())
	}
	s.history = cc
	return nil
}
