package eventlog_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

func benchAppend(b *testing.B, sync bool, batch int) {
	l := openLog(b, jsservertest.StartWith(b, jsserver.Config{SyncAlways: sync}))
	ctx := context.Background()
	agg := newMap()
	es := envs(b, batch)
	var v uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := l.Append(ctx, agg, v, uuid.NewString(), es)
		if err != nil {
			b.Fatal(err)
		}
		v = r.Last
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAppend(b *testing.B) {
	for _, sync := range []bool{false, true} {
		for _, n := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("sync=%v/batch=%d", sync, n), func(b *testing.B) { benchAppend(b, sync, n) })
		}
	}
}
