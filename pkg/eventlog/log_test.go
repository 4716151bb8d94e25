package eventlog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

func openLog(t testing.TB, srv *jsservertest.Server) *eventlog.Log {
	t.Helper()
	l, err := eventlog.Open(context.Background(), srv.JetStream(), eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// envs returns n valid map events (actor removals: they carry no personal data).
func envs(t testing.TB, n int) []event.Envelope {
	t.Helper()
	out := make([]event.Envelope, n)
	for i := range out {
		e, err := event.New(event.MapAggregate(uuid.NewString()), "/samspill/test", date.MustParse("2026-03-03"),
			event.ActorRemoved{ActorID: uuid.NewString()})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		out[i] = e
	}
	return out
}

func newMap() event.Aggregate { return event.MapAggregate(uuid.NewString()) }

func TestAppendLoadAndVersion(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, jsservertest.Start(t))
	agg, other := newMap(), newMap()

	if v, err := l.Version(ctx, agg); err != nil || v != 0 {
		t.Fatalf("version of new aggregate = %d, %v; want 0", v, err)
	}
	r1, err := l.Append(ctx, agg, 0, uuid.NewString(), envs(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, other, 0, uuid.NewString(), envs(t, 2)); err != nil {
		t.Fatal(err)
	}
	r2, err := l.Append(ctx, agg, r1.Last, uuid.NewString(), envs(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Last-r2.First != 2 || r2.Duplicate {
		t.Fatalf("batch of 3 landed as %+v", r2)
	}
	recs, version, err := l.Load(ctx, agg)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || version != r2.Last {
		t.Fatalf("load: %d records at version %d; want 4 at %d", len(recs), version, r2.Last)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq <= recs[i-1].Seq {
			t.Fatalf("records out of order: %d after %d", recs[i].Seq, recs[i-1].Seq)
		}
	}
	if recs[0].Envelope.Subject != agg.String() || recs[1].Envelope.CommandID != recs[3].Envelope.CommandID {
		t.Fatalf("envelopes not stamped: %+v", recs[1].Envelope)
	}
	if v, _ := l.Version(ctx, agg); v != r2.Last {
		t.Fatalf("version = %d, want %d", v, r2.Last)
	}
}

func TestConflictIsTypedAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, jsservertest.Start(t))
	agg := newMap()
	first, err := l.Append(ctx, agg, 0, uuid.NewString(), envs(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	// Two writers read version first.Last; A wins.
	a, err := l.Append(ctx, agg, first.Last, uuid.NewString(), envs(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3} { // single event and atomic batch
		_, err = l.Append(ctx, agg, first.Last, uuid.NewString(), envs(t, n))
		var ce *eventlog.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, eventlog.ErrConflict) {
			t.Fatalf("batch of %d: err = %v, want *ConflictError", n, err)
		}
		if ce.Expected != first.Last || ce.Actual != a.Last {
			t.Fatalf("conflict = %+v, want expected %d actual %d", ce, first.Last, a.Last)
		}
	}
	// A stale writer expecting an empty aggregate conflicts as well.
	if _, err := l.Append(ctx, agg, 0, uuid.NewString(), envs(t, 2)); !errors.Is(err, eventlog.ErrConflict) {
		t.Fatalf("append to existing aggregate with expected 0: %v", err)
	}
	recs, _, err := l.Load(ctx, agg)
	if err != nil || len(recs) != 2 {
		t.Fatalf("after conflicts: %d records, %v; want 2", len(recs), err)
	}
}

func TestRetryIsIdempotent(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, jsservertest.Start(t))
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d events", n), func(t *testing.T) {
			agg := newMap()
			cmd := uuid.NewString()
			batch := envs(t, n)
			r1, err := l.Append(ctx, agg, 0, cmd, batch)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := l.Append(ctx, agg, 0, cmd, envs(t, n))
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if !r2.Duplicate || r2.First != r1.First || r2.Last != r1.Last {
				t.Fatalf("retry result %+v, first %+v", r2, r1)
			}
			// Another writer appends; a late retry of the first command is
			// still recognised, not reported as a conflict.
			if _, err := l.Append(ctx, agg, r1.Last, uuid.NewString(), envs(t, 1)); err != nil {
				t.Fatal(err)
			}
			r3, err := l.Append(ctx, agg, 0, cmd, envs(t, n))
			if err != nil || !r3.Duplicate {
				t.Fatalf("late retry: %+v, %v", r3, err)
			}
			recs, _, _ := l.Load(ctx, agg)
			if len(recs) != n+1 {
				t.Fatalf("%d records, want %d", len(recs), n+1)
			}
			if recs[0].Envelope.ID != eventlog.EventID(cmd, 0) {
				t.Fatal("event ids are not derived from the command id")
			}
		})
	}
}

func TestConcurrentWritersLoseNoUpdate(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, jsservertest.Start(t))
	agg := newMap()
	const writers, each = 8, 15
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				v, err := l.Version(ctx, agg)
				if err != nil {
					t.Error(err)
					return
				}
				_, err = l.Append(ctx, agg, v, uuid.NewString(), envs(t, 2))
				switch {
				case err == nil:
					wins.Add(1)
					done++
				case errors.Is(err, eventlog.ErrConflict):
					conflicts.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	recs, _, err := l.Load(ctx, agg)
	if err != nil {
		t.Fatal(err)
	}
	if want := writers * each * 2; len(recs) != want || wins.Load() != writers*each {
		t.Fatalf("%d events from %d wins; want %d", len(recs), wins.Load(), want)
	}
	// Each command's two events are adjacent: batches never interleave.
	for i := 0; i < len(recs); i += 2 {
		if recs[i].Envelope.CommandID != recs[i+1].Envelope.CommandID || recs[i+1].Seq != recs[i].Seq+1 {
			t.Fatalf("batch split at %d", recs[i].Seq)
		}
	}
	t.Logf("%d appends won, %d conflicts detected", wins.Load(), conflicts.Load())
}

func TestInvalidEnvelopeWritesNothing(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, jsservertest.Start(t))
	agg := newMap()
	bad := envs(t, 2)
	bad[1].ValidTime = date.Date{}
	if _, err := l.Append(ctx, agg, 0, uuid.NewString(), bad); err == nil || !errors.Is(err, event.ErrMalformed) {
		t.Fatalf("append of invalid envelope: %v", err)
	}
	if _, err := l.Append(ctx, agg, 0, "not-a-uuid", envs(t, 1)); err == nil {
		t.Fatal("append with a bad command id succeeded")
	}
	if _, err := l.Append(ctx, event.Aggregate{Kind: "map", ID: "Ola Nordmann"}, 0, uuid.NewString(), envs(t, 1)); err == nil {
		t.Fatal("append to an aggregate named by a name succeeded")
	}
	if h, _ := l.Head(ctx); h != 0 {
		t.Fatalf("log head %d after rejected appends, want 0", h)
	}
}

func TestRestartLosesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := jsservertest.StartIn(t, dir)
	l := openLog(t, srv)
	agg := newMap()
	var last uint64
	for i := 0; i < 50; i++ {
		r, err := l.Append(ctx, agg, last, uuid.NewString(), envs(t, 1+i%3))
		if err != nil {
			t.Fatal(err)
		}
		last = r.Last
	}
	before, _, err := l.Load(ctx, agg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()

	l2 := openLog(t, jsservertest.StartIn(t, dir))
	after, version, err := l2.Load(ctx, agg)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || version != last {
		t.Fatalf("after restart %d events at %d; before %d at %d", len(after), version, len(before), last)
	}
	for i := range after {
		if after[i].Envelope.ID != before[i].Envelope.ID || string(after[i].Envelope.Data) != string(before[i].Envelope.Data) {
			t.Fatalf("event %d changed across restart", i)
		}
	}
	// And the log continues from where it was.
	if _, err := l2.Append(ctx, agg, last, uuid.NewString(), envs(t, 1)); err != nil {
		t.Fatalf("append after restart: %v", err)
	}
}

// TestPublishGuarded checks the optimistic-concurrency publish that Append
// and the gap service share: the first writer at a version wins, a second
// at the same version gets ErrConflict, and a repeated message id is
// recognised.
func TestPublishGuarded(t *testing.T) {
	ctx := context.Background()
	srv := jsservertest.Start(t)
	openLog(t, srv)
	js := srv.JetStream()
	agg := newMap()
	msg := func(id string) *nats.Msg {
		e := envs(t, 1)[0]
		e.ID, e.CommandID, e.Subject = eventlog.EventID(id, 0), id, agg.String()
		b, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		m := nats.NewMsg(eventlog.Subject(agg, e.Type))
		m.Data = b
		m.Header.Set(jetstream.MsgIDHeader, id+":0")
		return m
	}
	first := uuid.NewString()
	ack, err := eventlog.PublishGuarded(ctx, js, msg(first), 0, eventlog.Filter(agg))
	if err != nil || ack.Duplicate {
		t.Fatalf("first publish: %+v, %v", ack, err)
	}
	if _, err := eventlog.PublishGuarded(ctx, js, msg(uuid.NewString()), 0, eventlog.Filter(agg)); !errors.Is(err, eventlog.ErrConflict) {
		t.Fatalf("second writer at version 0: %v, want ErrConflict", err)
	}
	again, err := eventlog.PublishGuarded(ctx, js, msg(first), 0, eventlog.Filter(agg))
	if err == nil && !again.Duplicate || err != nil && !errors.Is(err, eventlog.ErrConflict) {
		t.Fatalf("retry of the first message: %+v, %v; want a duplicate ack or ErrConflict", again, err)
	}
	next, err := eventlog.PublishGuarded(ctx, js, msg(uuid.NewString()), ack.Sequence, eventlog.Filter(agg))
	if err != nil || next.Sequence <= ack.Sequence {
		t.Fatalf("publish at the current version: %+v, %v", next, err)
	}
}

func TestAppendRefusesAggregatesOutsideTheLog(t *testing.T) {
	l := openLog(t, jsservertest.Start(t))
	gap := event.GapAggregate("405a100e50cd5544")
	if _, err := l.Append(context.Background(), gap, 0, uuid.NewString(), envs(t, 1)); err == nil {
		t.Fatal("Append wrote to a gap aggregate")
	}
}
