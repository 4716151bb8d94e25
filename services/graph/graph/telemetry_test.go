package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
)

// The projection reports its position and the events it applied, and how
// many it has still to apply.
func TestProjectionMetrics(t *testing.T) {
	e := setup(t)
	opened := e.do(&command.OpenMap{Focus: stakeholder.FocusCitizen, Label: "Test T.", Municipality: "3203"})
	mapID := opened.IDs["mapId"]
	e.do(&command.AddActor{MapID: mapID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelService, Sector: stakeholder.SectorPeer, Name: "A"})
	last := e.do(&command.AddActor{MapID: mapID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelService, Sector: stakeholder.SectorPeer, Name: "B"})

	m := telemetry.NewMetrics()
	cfg := e.config()
	cfg.Metrics = m
	s, err := graph.New(context.Background(), e.js, e.log, e.keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, last.Version); err != nil {
		t.Fatal(err)
	}
	// The follower notes what is pending once the handler returns.
	for {
		if n := testutil.CollectAndCount(m.Registry(), "samspill_projection_lag_events"); n == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no lag reported")
		case <-time.After(5 * time.Millisecond):
		}
	}
	want := `
# HELP samspill_projection_events_applied_total Events a projection applied since the process started.
# TYPE samspill_projection_events_applied_total counter
samspill_projection_events_applied_total{projection="samspill-graph"} 3
# HELP samspill_projection_lag_events Events in SAMSPILL_EVENTS after a projection's position that it has not applied yet (as its consumer last saw them).
# TYPE samspill_projection_lag_events gauge
samspill_projection_lag_events{projection="samspill-graph"} 0
# HELP samspill_projection_position Sequence in SAMSPILL_EVENTS of the last event a projection applied.
# TYPE samspill_projection_position gauge
samspill_projection_position{projection="samspill-graph"} 3
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"samspill_projection_events_applied_total", "samspill_projection_lag_events", "samspill_projection_position"); err != nil {
		t.Fatal(err)
	}
}
