package gap_test

import (
	"strings"
	"testing"

	"github.com/samspill/samspill/services/gap/gap"
)

// TestFilterCoversEveryTransitionOfOneGap: the guard of a transition and
// the read of a gap's last one see both its openings and its closings, and
// nothing of another gap; the filter's only wildcard is the transition, so
// JetStream finds the gap's subjects by their literal prefix.
func TestFilterCoversEveryTransitionOfOneGap(t *testing.T) {
	const mapID, gapID, other = "41e5d472-f4b3-42f7-a7ed-1eefb1e3bc65", "405a100e50cd5544", "505a100e50cd5544"
	for _, g := range []struct{ municipality, mapID, rule string }{
		{"0301", mapID, "P1"}, // a citizen map's gap
		{"3201", "", "S1"},    // a municipality's system gap
		{"", "", "S10"},       // a system gap of no municipality
	} {
		f := gap.Filter(g.municipality, g.mapID, g.rule, gapID)
		if i := strings.IndexAny(f, "*>"); i != len(f)-1 {
			t.Errorf("%s: a wildcard before the transition", f)
		}
		for _, tr := range []string{gap.Opened, gap.Closed} {
			if s := gap.Subject(g.municipality, g.mapID, g.rule, gapID, tr); !subjectMatches(f, s) {
				t.Errorf("%s does not match %s", f, s)
			}
			if s := gap.Subject(g.municipality, g.mapID, g.rule, other, tr); subjectMatches(f, s) {
				t.Errorf("%s matches another gap's %s", f, s)
			}
		}
	}
}
