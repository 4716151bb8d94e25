package main

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/samspill/demo"
)

// BenchmarkDemoRegionQueries loads the demo region (seed 1) through the
// command service, lets the graph service catch up, and measures the
// queries a coordinator and an analyst make most: the largest citizen map
// as a map document, and the system-wide graph of one municipality.
func BenchmarkDemoRegionQueries(b *testing.B) {
	ctx := context.Background()
	srv := jsservertest.StartWith(b, jsserver.Config{})
	master, _ := seal.NewMasterKey()
	cmds, err := command.Boot(ctx, srv.Conn(), command.Options{MasterKey: master})
	if err != nil {
		b.Fatal(err)
	}
	defer cmds.Stop()
	today := date.Of(time.Now())
	ds, err := demo.Generate(demo.Options{Seed: 1, Today: today})
	if err != nil {
		b.Fatal(err)
	}
	if err := execute(ctx, cmds.Service, ds.Commands, io.Discard); err != nil {
		b.Fatal(err)
	}
	head, _ := cmds.Log.Head(ctx)
	g, err := graph.Boot(ctx, srv.Conn(), graph.Options{MasterKey: master})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Stop(ctx)
	if err := g.Service.WaitFor(ctx, head); err != nil {
		b.Fatal(err)
	}
	largest, size := "", 0
	for _, id := range g.Service.Store().Maps() {
		v, err := g.Service.Store().View(id, today, time.Time{})
		if err == nil && v.Focus.Kind == "citizen" && len(v.Actors) > size {
			largest, size = id, len(v.Actors)
		}
	}
	b.Logf("demo region: %d events, %d maps; largest citizen map %d actors", head, len(g.Service.Store().Maps()), size)
	b.Run("map", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.Map(ctx, graph.MapQuery{MapID: largest}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("system-3203", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.System(ctx, graph.SystemQuery{Municipality: "3203"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("system-region", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.System(ctx, graph.SystemQuery{}); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Analysis: the P-rules on every demo citizen map (one evaluation per
	// iteration, p50 and p99 over all of them), and System (P-rules on
	// every map, S1–S10 on the organisations) on each municipality.
	bundles := map[string]*mapdoc.Bundle{}
	var maps []*mapdoc.Document
	for _, m := range []string{"3201", "3203", "3301"} {
		bd, err := g.Service.Bundle(ctx, graph.BundleQuery{Municipality: m})
		if err != nil {
			b.Fatal(err)
		}
		bundles[m] = bd
		for i := range bd.Maps {
			maps = append(maps, &bd.Maps[i])
		}
	}
	b.Run("analyse-map", func(b *testing.B) {
		cfg := gaps.DefaultConfig()
		times := make([]time.Duration, 0, b.N)
		for i := range b.N {
			start := time.Now()
			if _, err := gaps.Citizen(maps[i%len(maps)], cfg); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
	})
	for _, m := range []string{"3203", "region"} {
		b.Run("analyse-system-"+m, func(b *testing.B) {
			cfg := gaps.DefaultSystemConfig()
			for range b.N {
				for code, bd := range bundles {
					if m != "region" && code != m {
						continue
					}
					if _, err := gaps.System(bd, cfg); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
