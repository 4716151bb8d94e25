package gap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/services/gap/gap"
)

// BenchmarkGuardedTransition publishes one more transition of a gap into
// SAMSPILL_GAPS holding the transitions of many other gaps, guarded as the
// service does, by the gap's filter (literal up to the transition), beside
// the same publish guarded by a filter with wildcards before the gap id,
// which JetStream can only answer by walking every subject of the stream.
func BenchmarkGuardedTransition(b *testing.B) {
	ctx := context.Background()
	for _, gaps := range []int{1_000, 20_000, 100_000} {
		srv := jsservertest.Start(b)
		js := srv.JetStream()
		s, err := js.CreateStream(ctx, gap.StreamConfig(1))
		if err != nil {
			b.Fatal(err)
		}
		// Each gap of a map of its own, as on citizen maps: a few per map.
		id := func(i int) string { return fmt.Sprintf("%016x", i) }
		mapOf := func(i int) string { return fmt.Sprintf("41e5d472-f4b3-42f7-a7ed-%012x", i/4) }
		const mun, rule = "3201", "P1"
		for i := range gaps {
			if _, err := js.PublishAsync(gap.Subject(mun, mapOf(i), rule, id(i), gap.Opened), []byte("{}")); err != nil {
				b.Fatal(err)
			}
		}
		<-js.PublishAsyncComplete()
		for _, f := range []struct {
			name   string
			filter func(i int) string
		}{
			{"literal-prefix", func(i int) string { return gap.Filter(mun, mapOf(i), rule, id(i)) }},
			{"wildcards-before-the-id", func(i int) string { return "samspill.gap.*.*.*." + id(i) + ".*" }},
		} {
			b.Run(fmt.Sprintf("gaps=%d/%s", gaps, f.name), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					g := i % gaps
					last, err := s.GetLastMsgForSubject(ctx, gap.Filter(mun, mapOf(g), rule, id(g)))
					if err != nil {
						b.Fatal(err)
					}
					m := nats.NewMsg(gap.Subject(mun, mapOf(g), rule, id(g), gap.Opened))
					m.Data = []byte("{}")
					if _, err := eventlog.PublishGuarded(ctx, js, m, last.Sequence, f.filter(g)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
