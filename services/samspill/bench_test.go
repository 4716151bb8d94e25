package main

import (
	"context"
	"crypto/ed25519"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
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
// as a map document (as its municipality's coordinator, who opened it),
// and the system-wide graph of one municipality (as its analyst) and of
// the region (as an integration granted every area). Each read is decided
// and audited, as in production.
func BenchmarkDemoRegionQueries(b *testing.B) {
	ctx := context.Background()
	srv := jsservertest.StartWith(b, jsserver.Config{})
	if _, err := audit.EnsureStream(ctx, srv.JetStream(), 1, 0); err != nil {
		b.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := access.NewSigner(key, nil)
	if err != nil {
		b.Fatal(err)
	}
	master, _ := seal.NewMasterKey()
	cmds, err := command.Boot(ctx, srv.Conn(), command.Options{MasterKey: master, Verifier: signer.Verifier(),
		Audit: audit.NewWriter(srv.JetStream(), "command", nil)})
	if err != nil {
		b.Fatal(err)
	}
	defer cmds.Stop()
	today := date.Of(time.Now())
	ds, err := demo.Generate(demo.Options{Seed: 1, Today: today})
	if err != nil {
		b.Fatal(err)
	}
	if err := execute(ctx, cmds.Service, ds, io.Discard); err != nil {
		b.Fatal(err)
	}
	head, _ := cmds.Log.Head(ctx)
	g, err := graph.Boot(ctx, srv.Conn(), graph.Options{MasterKey: master, Verifier: signer.Verifier(),
		Audit: audit.NewWriter(srv.JetStream(), "graph", nil)})
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
	h, _ := g.Service.Store().History(largest)
	coordinator := access.WithPrincipal(ctx, access.Principal{Subject: h.OpenedBy, Role: access.Coordinator, Purpose: access.PurposeCoordination})
	analyst := access.WithPrincipal(ctx, access.Principal{Subject: demo.Analyst("3203"), Role: access.Analyst, Municipality: "3203", Purpose: access.PurposeOperations})
	integration := access.WithPrincipal(ctx, access.Principal{Subject: "token:bench", Role: access.Integration,
		Grants: []string{"area.*.read", "bundle.*.read"}, Purpose: access.PurposeOperations})
	b.Run("map", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.Map(coordinator, graph.MapQuery{MapID: largest}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("system-3203", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.System(analyst, graph.SystemQuery{Municipality: "3203"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("system-region", func(b *testing.B) {
		for range b.N {
			if _, err := g.Service.System(integration, graph.SystemQuery{}); err != nil {
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
		bd, err := g.Service.Bundle(integration, graph.BundleQuery{Municipality: m})
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
