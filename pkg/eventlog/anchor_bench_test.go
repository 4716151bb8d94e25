package eventlog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

// The anchors of `make bench` (tools/benchtable): what JetStream itself
// does on the same stream, with the same settings as `samspill up` (file
// store, fsync before every acknowledgement), beside what Samspill does
// on top of it in the same process. The projection rebuild and its
// ordered-consumer anchor on the same stream are services/graph's
// BenchmarkRebuild; BenchmarkAnchorRead here is the bare read rate of
// small events, as a cross-check.

// anchorInFlight is how many publishes are in flight at once: the raw
// batched publishes keep this many asynchronous publishes outstanding,
// and as many writers append, each to its own aggregate (one append waits
// for the last one's acknowledgement: that is the concurrency control).
const anchorInFlight = 64

// anchorEvents is how many events each iteration writes each way; fixed
// so that one iteration takes a few seconds whatever -benchtime is.
const anchorEvents = 6000

// BenchmarkAnchorAppend measures raw batched JetStream publishes (async,
// anchorInFlight outstanding, no validation, no headers) and guarded
// appends (envelope validation and encoding, expected last subject
// sequence, message id) by as many writers, on one server and stream
// with fsync always, and reports both rates and append/raw as ratio.
func BenchmarkAnchorAppend(b *testing.B) {
	srv := jsservertest.StartWith(b, jsserver.Config{SyncAlways: true})
	js := srv.JetStream()
	l := openLog(b, srv)
	ctx := context.Background()
	raw, err := event.Marshal(envs(b, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	var rawRate, appendRate float64
	b.ResetTimer()
	for range b.N {
		rawRate = rate(anchorEvents, func() { rawPublish(b, ctx, js, raw, anchorEvents, anchorInFlight) })
		appendRate = rate(anchorEvents, func() { guardedAppend(b, ctx, l, anchorEvents, anchorInFlight) })
	}
	b.StopTimer()
	b.ReportMetric(rawRate, "raw-ev/s")
	b.ReportMetric(appendRate, "append-ev/s")
	b.ReportMetric(appendRate/rawRate, "ratio")
}

// BenchmarkAnchorRead measures the raw read rate of an ordered consumer
// (count only, no decoding) over a stream of 50,000 small events, the same
// anchor services/graph's BenchmarkRebuild sets beside the rebuild.
func BenchmarkAnchorRead(b *testing.B) {
	const n = 50_000
	srv := jsservertest.Start(b) // the fill needs no fsync; the read does not touch the disk's sync
	js := srv.JetStream()
	openLog(b, srv)
	ctx := context.Background()
	raw, err := event.Marshal(envs(b, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	rawPublish(b, ctx, js, raw, n, anchorInFlight)
	stream, err := js.Stream(ctx, "SAMSPILL_EVENTS")
	if err != nil {
		b.Fatal(err)
	}
	var r float64
	b.ResetTimer()
	for range b.N {
		r = orderedRead(b, stream, n)
	}
	b.ReportMetric(r, "read-ev/s")
}

func orderedRead(b *testing.B, s jetstream.Stream, n int) float64 {
	cons, err := s.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	count := 0
	start := time.Now()
	cc, err := cons.Consume(func(jetstream.Msg) {
		count++
		if count == n {
			close(done)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatal(fmt.Errorf("ordered consumer: %d of %d events in 5 minutes", count, n))
	}
	r := float64(n) / time.Since(start).Seconds()
	cc.Stop()
	return r
}
