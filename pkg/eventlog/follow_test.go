package eventlog_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

// fill appends total events in batches of batch, spread over aggs
// aggregates by workers goroutines, and returns the command id of every
// stored event by sequence.
func fill(t *testing.T, l *eventlog.Log, total, batch, aggs, workers int) map[uint64]string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	stored := make(map[uint64]string, total)
	var wg sync.WaitGroup
	perWorker := total / batch / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			versions := make(map[event.Aggregate]uint64)
			mine := make([]event.Aggregate, aggs/workers)
			for i := range mine {
				mine[i] = newMap()
			}
			for i := 0; i < perWorker; i++ {
				agg := mine[i%len(mine)]
				cmd := uuid.NewString()
				r, err := l.Append(ctx, agg, versions[agg], cmd, envs(t, batch))
				if err != nil {
					t.Error(err)
					return
				}
				versions[agg] = r.Last
				mu.Lock()
				for s := r.First; s <= r.Last; s++ {
					stored[s] = cmd
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(stored) != total {
		t.Fatalf("stored %d events, want %d", len(stored), total)
	}
	return stored
}

func TestOrderedReplayOf100kLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("100k events: run without -short")
	}
	const total = 100_000
	l := openLog(t, jsservertest.Start(t))
	stored := fill(t, l, total, 1, 400, 4)

	got := make(chan eventlog.Record, 1024)
	f, err := l.Follow(context.Background(), eventlog.FollowConfig{}, func(_ context.Context, r eventlog.Record) error {
		got <- r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	var next uint64 = 1
	timeout := time.After(2 * time.Minute)
	for next <= total {
		select {
		case r := <-got:
			if r.Seq != next {
				t.Fatalf("replay delivered %d, want %d (gap or reorder)", r.Seq, next)
			}
			if stored[r.Seq] != r.Envelope.CommandID {
				t.Fatalf("event %d belongs to command %s, stored by %s", r.Seq, r.Envelope.CommandID, stored[r.Seq])
			}
			next++
		case <-timeout:
			t.Fatalf("replay stalled at %d of %d", next, total)
		}
	}
	select {
	case r := <-got:
		t.Fatalf("replay delivered an extra event %d", r.Seq)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestFollowFromPositionAndFilter(t *testing.T) {
	ctx := context.Background()
	srv := jsservertest.Start(t)
	l := openLog(t, srv)
	fill(t, l, 40, 2, 4, 1)
	var seen, pending []uint64
	done := make(chan struct{})
	f, err := l.Follow(ctx, eventlog.FollowConfig{From: 31, Filters: []string{eventlog.AreaFilter(event.AreaMap)}},
		func(_ context.Context, r eventlog.Record) error {
			seen = append(seen, r.Seq)
			pending = append(pending, r.Pending)
			if r.Seq == 40 {
				close(done)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("follower did not reach 40")
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10 || seen[0] != 31 {
		t.Fatalf("from 31: saw %v", seen)
	}
	// Each record says how many were after it: 9 after 31, none after 40.
	for i, p := range pending {
		if want := uint64(9 - i); p != want {
			t.Fatalf("pending %v, want 9 down to 0", pending)
		}
	}
}

// TestFollowerStopsOnHandlerError: a follower that keeps no server state
// (ordered, or durable with its own position) stops at the first handler
// error, after the events before it, and says why.
func TestFollowerStopsOnHandlerError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		follow func(l *eventlog.Log, h eventlog.Handler) (*eventlog.Follower, error)
	}{
		{"ordered", func(l *eventlog.Log, h eventlog.Handler) (*eventlog.Follower, error) {
			return l.Follow(context.Background(), eventlog.FollowConfig{}, h)
		}},
		{"own position", func(l *eventlog.Log, h eventlog.Handler) (*eventlog.Follower, error) {
			return l.FollowDurable(context.Background(), "failing", eventlog.FollowConfig{OwnPosition: true}, h)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := openLog(t, jsservertest.Start(t))
			fill(t, l, 10, 1, 1, 1)
			boom := errors.New("boom")
			var last uint64
			f, err := tc.follow(l, func(_ context.Context, r eventlog.Record) error {
				if r.Seq == 5 {
					return boom
				}
				last = r.Seq
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-f.Err():
				if !errors.Is(err, boom) {
					t.Fatalf("err = %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("handler error did not stop the follower")
			}
			f.Stop()
			if last != 4 {
				t.Fatalf("handled up to %d, want 4", last)
			}
		})
	}
}

func TestDurableFollowerResumesAndSkipsMalformed(t *testing.T) {
	ctx := context.Background()
	srv := jsservertest.Start(t)
	l := openLog(t, srv)
	fill(t, l, 10, 1, 2, 1)
	// A message that bypassed the command side: not a valid envelope.
	nc := srv.Conn()
	if err := nc.PublishMsg(&nats.Msg{Subject: "samspill.map." + uuid.NewString() + ".actor_added", Data: []byte(`{"oops":true}`)}); err != nil {
		t.Fatal(err)
	}
	nc.Flush()

	run := func(stopAt uint64, failOnce uint64) []uint64 {
		var mu sync.Mutex
		var seen []uint64
		failed := false
		done := make(chan struct{})
		f, err := l.FollowDurable(ctx, "test-follower", eventlog.FollowConfig{}, func(_ context.Context, r eventlog.Record) error {
			mu.Lock()
			defer mu.Unlock()
			if r.Seq > stopAt {
				// Delivery goes on until Stop; refuse what comes after
				// stopAt, so it is redelivered to the next run.
				return errors.New("past the end of this run")
			}
			if r.Seq == failOnce && !failed {
				failed = true
				return errors.New("transient")
			}
			seen = append(seen, r.Seq)
			if r.Seq == stopAt {
				close(done)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("durable follower did not reach %d; saw %v", stopAt, seen)
		}
		f.Stop()
		mu.Lock()
		defer mu.Unlock()
		return append([]uint64(nil), seen...)
	}
	first := run(5, 3)
	if len(first) != 5 || first[2] != 3 {
		t.Fatalf("first run saw %v; want 1..5 with 3 redelivered after its failure", first)
	}
	fill(t, l, 2, 1, 1, 1) // seq 12, 13 (11 is the malformed one)
	second := run(13, 0)
	for _, s := range second {
		if s <= 5 {
			t.Fatalf("durable follower redelivered acknowledged event %d: %v", s, second)
		}
		if s == 11 {
			t.Fatal("malformed event reached the handler")
		}
	}
	if second[len(second)-1] != 13 {
		t.Fatalf("second run saw %v", second)
	}
}

// TestDeliveredReachesTheHeadPastMalformedEvents checks that a follower
// reports where it is, malformed events included, so that a reader can tell
// that it has caught up even when the last event of the log is unreadable.
func TestDeliveredReachesTheHeadPastMalformedEvents(t *testing.T) {
	srv := jsservertest.Start(t)
	l := openLog(t, srv)
	fill(t, l, 5, 1, 1, 1)
	nc := srv.Conn()
	if err := nc.PublishMsg(&nats.Msg{Subject: "samspill.map." + uuid.NewString() + ".actor_added", Data: []byte(`not json`)}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, durable := range []bool{false, true} {
		var f *eventlog.Follower
		var err error
		h := func(context.Context, eventlog.Record) error { return nil }
		if durable {
			f, err = l.FollowDurable(context.Background(), "test-delivered", eventlog.FollowConfig{OwnPosition: true}, h)
		} else {
			f, err = l.Follow(context.Background(), eventlog.FollowConfig{}, h)
		}
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			seq, pending, ok := f.Delivered()
			if ok && seq == 6 && pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("durable %v: delivered %d (pending %d, ok %v); want 6, 0", durable, seq, pending, ok)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := f.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}
