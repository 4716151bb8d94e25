package graph_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/region"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/graph/graph"
)

var benchSealed = event.Sealed("s1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

// citizenMapEvents returns the data of one synthetic citizen map with n
// services, each serving the citizen, collaborating with the next, with
// three contacts each: about 7n events.
func citizenMapEvents(municipality string, orgs []string, n int, salt int) []event.Data {
	c := uuid.NewString()
	out := []event.Data{&event.MapOpened{Focus: event.Focus{Kind: stakeholder.FocusCitizen, Label: benchSealed, Municipality: municipality}, Citizen: &event.Citizen{ActorID: c, Name: benchSealed}}}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
		sectors := []stakeholder.Sector{"primary-health", "specialist-mh", "welfare-work", "housing", "municipal-mh-su", "specialist-su"}
		out = append(out, &event.ActorAdded{ActorID: ids[i], Kind: "service", Level: "service", Sector: sectors[i%len(sectors)], Name: benchSealed, Directory: orgs[(i+salt)%len(orgs)]})
		serves := uuid.NewString()
		out = append(out, &event.RelationAdded{RelationID: serves, From: ids[i], To: c, Type: "serves", Quality: "good"})
		for range 3 {
			out = append(out, &event.ContactRecorded{RelationID: serves})
		}
		if i > 0 {
			out = append(out, &event.RelationAdded{RelationID: uuid.NewString(), From: ids[i-1], To: ids[i], Type: "collaborates", Quality: "good"})
		}
	}
	return out
}

// fillLog appends about total events as synthetic citizen maps of 10
// services over 3 municipalities and 60 organisations.
func fillLog(b *testing.B, l *eventlog.Log, total int) int {
	ctx := context.Background()
	var orgs []string
	for i := range 60 {
		orgs = append(orgs, fmt.Sprintf("org-%02d", i))
	}
	valid := date.MustParse("2026-06-01")
	written := 0
	for m := 0; written < total; m++ {
		agg := event.MapAggregate(uuid.NewString())
		var v uint64
		for _, d := range citizenMapEvents([]string{"3201", "3203", "3301"}[m%3], orgs, 10, m) {
			env, err := event.New(agg, "/samspill/bench", valid, d)
			if err != nil {
				b.Fatal(err)
			}
			env.Time = time.Now()
			r, err := l.Append(ctx, agg, v, uuid.NewString(), []event.Envelope{env})
			if err != nil {
				b.Fatal(err)
			}
			v = r.Last
			written++
		}
	}
	return written
}

// BenchmarkRebuild measures, in one run on one stream, the raw read rate
// of an ordered consumer (count only) beside the rebuild rate of the
// projection (decode, validate, fold), and the projection's memory per
// stored event, at two sizes to show that memory grows linearly; MB/1M-events
// is the heap the projection would hold for a million events at that rate.
// Each iteration reads the stream raw, then rebuilds from it; the rates
// and the ratio reported are the medians over the iterations (on shared
// cores one iteration's pair can be caught by a neighbour's burst), the
// memory is the first iteration's (a later one can find the previous
// projection still on the heap).
func BenchmarkRebuild(b *testing.B) {
	for _, n := range []int{25_000, 100_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) { benchRebuild(b, n) })
	}
}

func benchRebuild(b *testing.B, total int) {
	srv := jsservertest.Start(b)
	js := srv.JetStream()
	ctx := context.Background()
	l, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	n := fillLog(b, l, total)
	stream, err := js.Stream(ctx, "SAMSPILL_EVENTS")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var raws, rebuilds, ratios []float64
	perEvent := -1.0
	for range b.N {
		raw := rawRead(b, stream, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		st := projection.NewStore()
		start := time.Now()
		done := make(chan struct{})
		f, err := l.Follow(ctx, eventlog.FollowConfig{}, func(_ context.Context, r eventlog.Record) error {
			if err := st.Apply(r); err != nil {
				return err
			}
			if r.Seq == uint64(n) {
				close(done)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		<-done
		rebuild := float64(n) / time.Since(start).Seconds()
		f.Stop()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if perEvent < 0 {
			perEvent = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
		}
		runtime.KeepAlive(st)
		raws, rebuilds, ratios = append(raws, raw), append(rebuilds, rebuild), append(ratios, rebuild/raw)
	}
	b.ReportMetric(median(raws), "raw-ev/s")
	b.ReportMetric(median(rebuilds), "rebuild-ev/s")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(perEvent, "bytes/event")
	b.ReportMetric(perEvent*1e6/1e6, "MB/1M-events")
}

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rawRead(b *testing.B, s jetstream.Stream, n int) float64 {
	ctx := context.Background()
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	done := make(chan struct{})
	count := 0
	cc, err := cons.Consume(func(m jetstream.Msg) {
		count++
		if count == n {
			close(done)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	<-done
	rate := float64(n) / time.Since(start).Seconds()
	cc.Stop()
	return rate
}

// BenchmarkQueries measures a map query (the decision and its audit
// record, the view and export of a 40-actor map) and the system-wide graph
// of a region of 240 citizen maps.
func BenchmarkQueries(b *testing.B) {
	js := jsservertest.Start(b).JetStream()
	if _, err := audit.EnsureStream(context.Background(), js, 1, 0); err != nil {
		b.Fatal(err)
	}
	st := projection.NewStore()
	var seq uint64
	apply := func(agg event.Aggregate, d event.Data) {
		env, err := event.New(agg, "/samspill/bench", date.MustParse("2026-06-01"), d)
		if err != nil {
			b.Fatal(err)
		}
		env.Time = time.Now()
		if agg.Kind == event.AreaMap {
			env.Principal = opener.Subject // opens every map, and is assigned to it
		}
		seq++
		if err := st.Apply(eventlog.Record{Seq: seq, Envelope: env}); err != nil {
			b.Fatal(err)
		}
	}
	var orgs []string
	for i := range 60 {
		orgs = append(orgs, fmt.Sprintf("org-%02d", i))
		apply(event.DirectoryAggregate(orgs[i]), &event.EntryRegistered{Kind: "service", Name: orgs[i], Sector: "primary-health", Municipality: "3203"})
	}
	var big string
	for m := range 240 {
		agg := event.MapAggregate(uuid.NewString())
		size := 10
		if m == 0 {
			size, big = 40, agg.ID
		}
		for _, d := range citizenMapEvents("3203", orgs, size, m) {
			apply(agg, d)
		}
	}
	svc, err := graph.NewForStore(st, nopRevealer{}, audit.NewWriter(js, "graph", nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := access.WithPrincipal(context.Background(), opener)
	b.Run("map-40-actors", func(b *testing.B) {
		for range b.N {
			if _, err := svc.Map(ctx, graph.MapQuery{MapID: big, At: date.MustParse("2026-11-01")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("system-240-maps", func(b *testing.B) {
		for range b.N {
			region.Build(st, region.Query{Municipality: "3203", At: date.MustParse("2026-11-01")})
		}
	})
}

type nopRevealer struct{}

func (nopRevealer) Reveal(_ context.Context, _ string, s event.Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	return "name", nil
}
