package command_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
)

// BenchmarkCommandLatency times commands through Execute on a server with
// fsync before every acknowledgement, as samspill up runs it: workers each
// open a citizen map and add five services to it, one command at a time,
// and the p50 and p99 of open_map and add_actor are reported. Each command
// stores its audit record, then (open_map) the map's key, then its event.
func BenchmarkCommandLatency(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { benchCommands(b, workers) })
	}
}

func benchCommands(b *testing.B, workers int) {
	srv := jsservertest.StartWith(b, jsserver.Config{SyncAlways: true})
	ctx := context.Background()
	js := srv.JetStream()
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		b.Fatal(err)
	}
	l, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: master})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := command.NewService(l, keys, command.Config{Audit: audit.NewWriter(js, "command", nil)})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var open, add []time.Duration
	timed := func(c command.Command) command.Result {
		began := time.Now()
		res, err := svc.Execute(as(coordinator), c)
		took := time.Since(began)
		if err != nil {
			b.Error(err)
			return res
		}
		mu.Lock()
		if _, ok := c.(*command.OpenMap); ok {
			open = append(open, took)
		} else {
			add = append(add, took)
		}
		mu.Unlock()
		return res
	}
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range 10 {
					mapID := timed(&command.OpenMap{Focus: "citizen", Label: "Ola N.", Municipality: "3203", CitizenName: "Ola Nordmann"}).IDs["mapId"]
					for range 5 {
						timed(&command.AddActor{MapID: mapID, Kind: "service", Level: "service", Sector: "housing", Name: "Boligkontoret"})
					}
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	pct := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(open, 0.5), "open_map-p50-ms")
	b.ReportMetric(pct(open, 0.99), "open_map-p99-ms")
	b.ReportMetric(pct(add, 0.5), "add_actor-p50-ms")
	b.ReportMetric(pct(add, 0.99), "add_actor-p99-ms")
}
