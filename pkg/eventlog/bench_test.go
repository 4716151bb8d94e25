package eventlog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

// BenchmarkAppendVsRaw measures, in one run and on one server, the rate of
// guarded appends (expected version, message id, validation, envelope
// encoding) beside raw JetStream publishes of the same bytes, and reports
// the ratio:
//
//   - sync: one writer, each append waits for its acknowledgement;
//   - pipelined: 16 writers on 16 aggregates against raw asynchronous
//     publishes with 16 in flight.
//
// Each runs with the store syncing on an interval and with sync always.
func BenchmarkAppendVsRaw(b *testing.B) {
	for _, syncAlways := range []bool{false, true} {
		for _, mode := range []string{"sync", "pipelined"} {
			b.Run(fmt.Sprintf("fsync=%v/%s", syncAlways, mode), func(b *testing.B) {
				srv := jsservertest.StartWith(b, jsserver.Config{SyncAlways: syncAlways})
				js := srv.JetStream()
				l := openLog(b, srv)
				ctx := context.Background()
				n := max(b.N, 200)
				body := envs(b, 1)[0]
				raw, err := event.Marshal(body)
				if err != nil {
					b.Fatal(err)
				}
				writers := 1
				if mode == "pipelined" {
					writers = 16
				}
				b.ResetTimer()
				rawRate := rate(n, func() { rawPublish(b, ctx, js, raw, n, writers) })
				appendRate := rate(n, func() { guardedAppend(b, ctx, l, n, writers) })
				b.StopTimer()
				b.ReportMetric(rawRate, "raw-ev/s")
				b.ReportMetric(appendRate, "append-ev/s")
				b.ReportMetric(appendRate/rawRate, "ratio")
			})
		}
	}
}

func rate(n int, f func()) float64 {
	start := time.Now()
	f()
	return float64(n) / time.Since(start).Seconds()
}

func rawPublish(b *testing.B, ctx context.Context, js jetstream.JetStream, data []byte, n, inflight int) {
	subject := "samspill.map." + uuid.NewString() + ".actor_removed"
	if inflight == 1 {
		for range n {
			if _, err := js.Publish(ctx, subject, data); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	sem := make(chan struct{}, inflight)
	for range n {
		sem <- struct{}{}
		f, err := js.PublishAsync(subject, data)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Error(err)
			}
			<-sem
		}()
	}
	for range inflight {
		sem <- struct{}{}
	}
}

func guardedAppend(b *testing.B, ctx context.Context, l *eventlog.Log, n, writers int) {
	var wg sync.WaitGroup
	per := n / writers
	for w := range writers {
		count := per
		if w == 0 {
			count += n - per*writers
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			agg := newMap()
			es := envs(b, 1)
			var v uint64
			for range count {
				r, err := l.Append(ctx, agg, v, uuid.NewString(), es)
				if err != nil {
					b.Error(err)
					return
				}
				v = r.Last
			}
		}()
	}
	wg.Wait()
}

// BenchmarkAtomicBatch measures one command writing several events as an
// atomic batch (imports), per event.
func BenchmarkAtomicBatch(b *testing.B) {
	for _, size := range []int{2, 16, 128} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			l := openLog(b, jsservertest.Start(b))
			ctx := context.Background()
			agg := newMap()
			es := envs(b, size)
			var v uint64
			b.ResetTimer()
			for range b.N {
				r, err := l.Append(ctx, agg, v, uuid.NewString(), es)
				if err != nil {
					b.Fatal(err)
				}
				v = r.Last
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkLoad measures reading one aggregate of 40 events back.
func BenchmarkLoad(b *testing.B) {
	l := openLog(b, jsservertest.Start(b))
	ctx := context.Background()
	agg := newMap()
	var v uint64
	for range 40 {
		r, err := l.Append(ctx, agg, v, uuid.NewString(), envs(b, 1))
		if err != nil {
			b.Fatal(err)
		}
		v = r.Last
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := l.Load(ctx, agg); err != nil {
			b.Fatal(err)
		}
	}
}
