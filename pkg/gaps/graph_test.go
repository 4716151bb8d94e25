package gaps

import (
	"math"
	"testing"
)

// TestBurt checks effective size and constraint against hand-computed
// values that networkx's effective_size and constraint give on the same
// undirected graphs.
func TestBurt(t *testing.T) {
	tests := []struct {
		name     string
		nodes    []string
		ties     [][2]string
		ego      string
		eff, con float64
	}{
		{"star of three", []string{"e", "a", "b", "c"}, [][2]string{{"e", "a"}, {"e", "b"}, {"e", "c"}}, "e", 3, 1.0 / 3},
		{"triangle", []string{"e", "a", "b"}, [][2]string{{"e", "a"}, {"e", "b"}, {"a", "b"}}, "e", 1, 1.125},
		// ego with three alters, two of them tied: p = 1/3 from ego, 1/2 between a and b.
		{"star with one tie", []string{"e", "a", "b", "c"}, [][2]string{{"e", "a"}, {"e", "b"}, {"e", "c"}, {"a", "b"}, {"b", "a"}, {"e", "a"}}, "e",
			3 - 2.0/3, 2*math.Pow(1.0/3+1.0/6, 2) + 1.0/9},
		{"isolated", []string{"e", "a"}, nil, "e", 0, 0},
		{"leaf", []string{"e", "a", "b"}, [][2]string{{"e", "a"}, {"a", "b"}}, "e", 1, 1},
	}
	for _, tt := range tests {
		eff, con := newGraph(tt.nodes, tt.ties).burt(tt.ego)
		if math.Abs(eff-tt.eff) > 1e-12 || math.Abs(con-tt.con) > 1e-12 {
			t.Errorf("%s: effective size %v, constraint %v; want %v, %v", tt.name, eff, con, tt.eff, tt.con)
		}
	}
}

func TestComponents(t *testing.T) {
	g := newGraph([]string{"a", "b", "c", "d", "e"}, [][2]string{{"a", "b"}, {"b", "c"}, {"d", "e"}, {"a", "x"}, {"a", "a"}})
	whole := g.components("")
	if whole["a"] != whole["c"] || whole["a"] == whole["d"] || whole["d"] != whole["e"] {
		t.Errorf("components %v", whole)
	}
	without := g.components("b")
	if _, ok := without["b"]; ok || without["a"] == without["c"] {
		t.Errorf("components without b %v", without)
	}
	if len(g.adj["a"]) != 1 {
		t.Errorf("self-ties and unknown actors should be left out: %v", g.adj["a"])
	}
}

func TestRuleIndex(t *testing.T) {
	for id, want := range map[string]int{"P1": 0, "P9": 8, "P14": 13, "P0": -1, "P15": -1, "P01": -1, "P+1": -1, "p1": -1, "P": -1, "": -1, "S1": -1} {
		if got := ruleIndex(id); got != want {
			t.Errorf("ruleIndex(%q) = %d, want %d", id, got, want)
		}
	}
}
