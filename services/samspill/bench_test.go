package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
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
}
