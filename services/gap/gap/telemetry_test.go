package gap_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/gap/gap"
)

// Each transition the service publishes is counted by rule and
// transition, and the service's projection reports its position.
func TestGapTransitionMetrics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	m := telemetry.NewMetrics()
	e.start(func(c *gap.Config) { c.Metrics = m })
	o := e.openOla()
	e.openGaps(o)
	e.closeGaps(o)
	want := `
# HELP samspill_gap_transitions_total Gap transitions this process published to SAMSPILL_GAPS, by rule and transition (opened, closed).
# TYPE samspill_gap_transitions_total counter
samspill_gap_transitions_total{rule="P1",transition="closed"} 1
samspill_gap_transitions_total{rule="P1",transition="opened"} 1
samspill_gap_transitions_total{rule="P10",transition="closed"} 2
samspill_gap_transitions_total{rule="P10",transition="opened"} 2
samspill_gap_transitions_total{rule="P2",transition="closed"} 1
samspill_gap_transitions_total{rule="P2",transition="opened"} 1
samspill_gap_transitions_total{rule="P3",transition="closed"} 1
samspill_gap_transitions_total{rule="P3",transition="opened"} 1
samspill_gap_transitions_total{rule="P4",transition="opened"} 1
samspill_gap_transitions_total{rule="P8",transition="opened"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "samspill_gap_transitions_total"); err != nil {
		t.Fatal(err)
	}
	position := `
# HELP samspill_projection_position Sequence in SAMSPILL_EVENTS of the last event a projection applied.
# TYPE samspill_projection_position gauge
samspill_projection_position{projection="samspill-gap"} ` + strconv.FormatUint(e.head(), 10) + "\n"
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(position), "samspill_projection_position"); err != nil {
		t.Fatal(err)
	}
}
