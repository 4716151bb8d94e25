package eventlog_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

// A follower that keeps its own position reads a consumer that
// acknowledges nothing: a delivery lost on the way (a cluster node that
// failed with it in flight) is never delivered again. The tests lose one
// as a second reader of the same consumer does: it takes a delivery that
// the follower then never gets. The follower must read the log again
// from the last event it handled, whether more events come after the
// lost one (the gap in the consumer's deliveries shows it) or none does
// (the consumer's count of deliveries shows it).
func TestOwnPositionFollowerReadsLostDeliveriesAgain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		idleCheck time.Duration
		after     int // events appended after the lost one
	}{
		{name: "events after the lost one", idleCheck: time.Hour, after: 3},
		{name: "the last event lost", idleCheck: 100 * time.Millisecond, after: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srv := jsservertest.Start(t)
			l := openLog(t, srv)
			got := make(chan uint64, 100)
			f, err := l.FollowDurable(ctx, "lossy", eventlog.FollowConfig{OwnPosition: true, IdleCheck: tc.idleCheck},
				func(_ context.Context, r eventlog.Record) error {
					got <- r.Seq
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Stop()

			// The thief pulls from the follower's consumer until it has
			// taken one event; JetStream shares deliveries among the
			// waiting pulls.
			cons, err := srv.JetStream().Consumer(ctx, l.Stream(), "lossy")
			if err != nil {
				t.Fatal(err)
			}
			stolen := make(chan uint64, 1)
			go func() {
				for ctx.Err() == nil {
					batch, err := cons.Fetch(1, jetstream.FetchMaxWait(500*time.Millisecond))
					if err != nil {
						continue
					}
					for m := range batch.Messages() {
						md, err := m.Metadata()
						if err == nil {
							stolen <- md.Sequence.Stream
							return
						}
					}
				}
			}()
			time.Sleep(100 * time.Millisecond) // the thief's pull waits

			// Append one event at a time until the thief has one; the
			// follower has the others.
			var want []uint64
			var lost uint64
			appendOne := func() uint64 {
				r, err := l.Append(ctx, newMap(), 0, uuid.NewString(), envs(t, 1))
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, r.First)
				return r.First
			}
			var handled []uint64
			for lost == 0 {
				if len(want) == 50 {
					t.Fatal("the thief took none of 50 events: the test lost no delivery")
				}
				seq := appendOne()
				select {
				case s := <-got:
					handled = append(handled, s)
				case s := <-stolen:
					lost = s
				case <-ctx.Done():
					t.Fatalf("event %d reached neither the follower nor the thief", seq)
				}
			}
			for range tc.after {
				appendOne()
			}
			for len(handled) < len(want) {
				select {
				case s := <-got:
					handled = append(handled, s)
				case <-time.After(10 * time.Second):
					t.Fatalf("the follower handled %v, want %v (event %d was lost on the way)", handled, want, lost)
				}
			}
			for i := range want {
				if handled[i] != want[i] {
					t.Fatalf("the follower handled %v, want %v (event %d was lost on the way)", handled, want, lost)
				}
			}
			select {
			case s := <-got:
				t.Fatalf("event %d handled again", s)
			case <-time.After(300 * time.Millisecond):
			}
			if seq, _, ok := f.Delivered(); !ok || seq != want[len(want)-1] {
				t.Fatalf("Delivered() = %d, %v; want %d", seq, ok, want[len(want)-1])
			}
		})
	}
}
