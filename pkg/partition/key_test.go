package partition

import (
	"fmt"
	"testing"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// norway is 356 municipality numbers, enough to see how keys spread.
func norway() []string {
	var out []string
	for i := range 356 {
		out = append(out, fmt.Sprintf("%04d", 101+i*27))
	}
	return out
}

func TestOwnerSpreadsKeysAndMovesFewWhenAMemberJoins(t *testing.T) {
	keys := norway()
	three := []string{"graph-0", "graph-1", "graph-2"}
	count := map[string]int{}
	for _, k := range keys {
		o := Owner(three, k)
		if o != Owner([]string{"graph-2", "graph-0", "graph-1"}, k) {
			t.Fatalf("the owner of %s depends on the members' order", k)
		}
		count[o]++
	}
	for _, m := range three {
		// A fair share is 119 of 356; rendezvous hashing stays near it.
		if count[m] < 85 || count[m] > 155 {
			t.Errorf("%s owns %d of %d keys, far from a third: %v", m, count[m], len(keys), count)
		}
	}
	four := append(three[:3:3], "graph-3")
	moved, toNew := 0, 0
	for _, k := range keys {
		before, after := Owner(three, k), Owner(four, k)
		if before != after {
			moved++
			if after == "graph-3" {
				toNew++
			}
		}
	}
	if moved != toNew {
		t.Errorf("%d keys moved, %d of them to the new member: keys moved between old members", moved, toNew)
	}
	if moved < 50 || moved > 130 {
		t.Errorf("%d of %d keys moved to a fourth member, want about a quarter", moved, len(keys))
	}
	if Owner(nil, "0301") != "" {
		t.Error("a key has an owner among no members")
	}
}

func TestKeyIsOneSubjectToken(t *testing.T) {
	for _, c := range []struct {
		focus event.Focus
		want  string
	}{
		{event.Focus{Kind: stakeholder.FocusCitizen, Municipality: "3301"}, "3301"},
		{event.Focus{Kind: stakeholder.FocusRegion, Region: "helse-sor-ost"}, "region-helse-sor-ost"},
		{event.Focus{Kind: stakeholder.FocusRegion, Region: "a.b>"}, "none"},
		{event.Focus{Kind: stakeholder.FocusCitizen, Municipality: "33.1"}, "none"},
	} {
		if got := Key(c.focus); got != c.want {
			t.Errorf("Key(%+v) = %q, want %q", c.focus, got, c.want)
		}
	}
}
