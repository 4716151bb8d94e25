package measures

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestComputeErrors(t *testing.T) {
	nodes := []Node{{ID: "a", Group: "x"}, {ID: "b", Group: "y"}}
	tests := []struct {
		name string
		n    Network
		want error
	}{
		{"unknown from", Network{Nodes: nodes, Ties: []Tie{{From: "z", To: "a"}}}, ErrUnknownNode},
		{"unknown to", Network{Nodes: nodes, Ties: []Tie{{From: "a", To: "b"}, {From: "a", To: "c"}}}, ErrUnknownNode},
		{"unknown directed", Network{Nodes: nodes, Ties: []Tie{{From: "a", To: "q"}}, Directed: true}, ErrUnknownNode},
		{"duplicate node", Network{Nodes: append(nodes, Node{ID: "a", Group: "z"})}, ErrDuplicateNode},
		{"duplicate node other group", Network{Nodes: []Node{{ID: "a"}, {ID: "a", Group: "x"}}}, ErrDuplicateNode},
		{"empty node id", Network{Nodes: []Node{{ID: "a"}, {ID: "", Group: "x"}}}, ErrEmptyID},
		{"empty tie end", Network{Nodes: nodes, Ties: []Tie{{From: "a", To: ""}}}, ErrEmptyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(tt.n)
			if !errors.Is(err, tt.want) {
				t.Errorf("Compute error = %v, want %v", err, tt.want)
			}
			if err := tt.n.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate error = %v, want %v", err, tt.want)
			}
			if m := PerGroupEI(tt.n); m != nil {
				t.Errorf("PerGroupEI = %v, want nil", m)
			}
			if m := PerGroupEIExpected(tt.n); m != nil {
				t.Errorf("PerGroupEIExpected = %v, want nil", m)
			}
		})
	}
}

func TestComputeValid(t *testing.T) {
	for _, n := range []Network{
		{},
		{Nodes: []Node{{ID: "a"}}},
		{Nodes: []Node{{ID: "a"}, {ID: "b"}}, Ties: []Tie{{From: "a", To: "a"}}},
		{Nodes: []Node{{ID: "a"}, {ID: "b"}}, Ties: []Tie{{From: "a", To: "b"}, {From: "b", To: "a"}}, Directed: true},
	} {
		if _, err := Compute(n); err != nil {
			t.Errorf("Compute(%+v): %v", n, err)
		}
		if err := n.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", n, err)
		}
	}
}

// star returns a star of k leaves around "hub"; all nodes in group "g".
func star(k int, directed, mutual bool) Network {
	n := Network{Nodes: []Node{{ID: "hub", Group: "g"}}, Directed: directed}
	for i := range k {
		id := fmt.Sprintf("leaf%d", i)
		n.Nodes = append(n.Nodes, Node{ID: id, Group: "g"})
		n.Ties = append(n.Ties, Tie{From: "hub", To: id})
		if mutual {
			n.Ties = append(n.Ties, Tie{From: id, To: "hub"})
		}
	}
	return n
}

func complete(k int, directed bool) Network {
	n := Network{Directed: directed}
	for i := range k {
		n.Nodes = append(n.Nodes, Node{ID: fmt.Sprint(i), Group: fmt.Sprint(i % 2)})
		for j := range k {
			if i != j && (directed || i < j) {
				n.Ties = append(n.Ties, Tie{From: fmt.Sprint(i), To: fmt.Sprint(j)})
			}
		}
	}
	return n
}

func mustCompute(t *testing.T, n Network) Result {
	t.Helper()
	r, err := Compute(n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStar(t *testing.T) {
	for _, k := range []int{2, 3, 7} {
		r := mustCompute(t, star(k, false, false))
		if b := r.Actors["hub"].Betweenness; b != 1 {
			t.Errorf("star(%d) centre betweenness = %v, want 1", k, b)
		}
		if b := r.Actors["leaf0"].Betweenness; b != 0 {
			t.Errorf("star(%d) leaf betweenness = %v, want 0", k, b)
		}
		if c := r.Network.DegreeCentralization; c != 1 {
			t.Errorf("star(%d) degree centralisation = %v, want 1", k, c)
		}
		if c := r.Network.BetweennessCentralization; c != 1 {
			t.Errorf("star(%d) betweenness centralisation = %v, want 1", k, c)
		}
		// One group: every open pair of leaves is coordinated, both ways.
		if got, want := r.Actors["hub"].Brokerage.Coordinator, k*(k-1); got != want {
			t.Errorf("star(%d) coordinator = %d, want %d", k, got, want)
		}
		if got := r.Actors["hub"].EffectiveSize; got != float64(k) {
			t.Errorf("star(%d) effective size = %v, want %d", k, got, k)
		}
	}
	// A star with mutual directed ties is the most centralised digraph.
	r := mustCompute(t, star(5, true, true))
	if c := r.Network.DegreeCentralization; c != 1 {
		t.Errorf("mutual directed star degree centralisation = %v, want 1", c)
	}
	if c := r.Network.BetweennessCentralization; c != 1 {
		t.Errorf("mutual directed star betweenness centralisation = %v, want 1", c)
	}
	if b := r.Actors["hub"].Betweenness; b != 1 {
		t.Errorf("mutual directed star centre betweenness = %v, want 1", b)
	}
}

func TestComplete(t *testing.T) {
	for _, directed := range []bool{false, true} {
		r := mustCompute(t, complete(6, directed))
		if d := r.Network.Density; d != 1 {
			t.Errorf("complete(directed=%t) density = %v, want 1", directed, d)
		}
		if c := r.Network.DegreeCentralization; c != 0 {
			t.Errorf("complete(directed=%t) degree centralisation = %v, want 0", directed, c)
		}
		for id, a := range r.Actors {
			if a.Betweenness != 0 || a.Brokerage != (Brokerage{}) {
				t.Errorf("complete(directed=%t) %s = %+v, want no betweenness or brokerage", directed, id, a)
			}
		}
		if len(r.Network.ArticulationPoints) != 0 || len(r.Network.Bridges) != 0 || r.Network.Components != 1 {
			t.Errorf("complete(directed=%t) network = %+v", directed, r.Network)
		}
	}
}

func TestEISeparateGroups(t *testing.T) {
	// Two triangles of different groups with no tie between them.
	n := Network{
		Nodes: []Node{{"a", "x"}, {"b", "x"}, {"c", "x"}, {"d", "y"}, {"e", "y"}, {"f", "y"}},
		Ties: []Tie{{"a", "b"}, {"b", "c"}, {"c", "a"},
			{"d", "e"}, {"e", "f"}, {"f", "d"}},
	}
	r := mustCompute(t, n)
	if ei := r.Network.EIIndex; ei != -1 {
		t.Errorf("E-I = %v, want -1", ei)
	}
	// 9 of the 15 pairs cross groups: 2·9/15 − 1 = 0.2.
	if ex := r.Network.EIExpected; math.Abs(ex-0.2) > 1e-12 {
		t.Errorf("expected E-I = %v, want 0.2", ex)
	}
	if r.Network.Components != 2 {
		t.Errorf("components = %d, want 2", r.Network.Components)
	}
	for g, v := range PerGroupEI(n) {
		if v != -1 {
			t.Errorf("group %s E-I = %v, want -1", g, v)
		}
	}
	// Per group: 3·3 external pairs, 3 internal: (9−3)/(9+3) = 0.5.
	for g, v := range PerGroupEIExpected(n) {
		if math.Abs(v-0.5) > 1e-12 {
			t.Errorf("group %s expected E-I = %v, want 0.5", g, v)
		}
	}
	// Join them: one external tie of seven.
	n.Ties = append(n.Ties, Tie{"c", "d"})
	r = mustCompute(t, n)
	if ei, want := r.Network.EIIndex, (1.0-6)/7; math.Abs(ei-want) > 1e-12 {
		t.Errorf("joined E-I = %v, want %v", ei, want)
	}
	if got := PerGroupEI(n)["x"]; math.Abs(got-(1.0-3)/4) > 1e-12 {
		t.Errorf("joined E-I of x = %v, want -0.5", got)
	}
}

func TestPerGroupEIDirected(t *testing.T) {
	// x sends one arc out and one in; y only receives.
	n := Network{
		Nodes:    []Node{{"a", "x"}, {"b", "x"}, {"c", "y"}},
		Ties:     []Tie{{"a", "b"}, {"b", "c"}},
		Directed: true,
	}
	got := PerGroupEI(n)
	if len(got) != 1 || got["x"] != 0 {
		t.Errorf("PerGroupEI = %v, want map[x:0]", got)
	}
}

// TestDeterministic checks that repeated computations encode identically,
// although gonum visits nodes in map order.
func TestDeterministic(t *testing.T) {
	n := organisationGraph(300, 1500)
	first, err := json.Marshal(mustCompute(t, n))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, _ := json.Marshal(mustCompute(t, n))
		if !bytes.Equal(first, again) {
			t.Fatal("two computations of one network encode differently")
		}
	}
}

var sectors = []string{
	"citizen", "informal", "primary-health", "municipal-mh-su", "municipal-care",
	"specialist-mh", "specialist-su", "welfare-work", "social-services", "housing",
	"user-org", "peer", "justice", "education-work", "civil-society", "governance",
}

// citizenMap returns a map like a coordinator's: one citizen, 39 actors of
// every sector, the citizen tied to about half of them, and professional
// ties among the services.
func citizenMap() Network {
	rng := rand.New(rand.NewPCG(40, 1))
	n := Network{Nodes: []Node{{ID: "citizen", Group: "citizen"}}}
	for i := range 39 {
		n.Nodes = append(n.Nodes, Node{ID: fmt.Sprintf("a%02d", i), Group: sectors[1+i%15]})
	}
	for i := range 39 {
		if rng.IntN(2) == 0 {
			n.Ties = append(n.Ties, Tie{From: "citizen", To: n.Nodes[1+i].ID})
		}
	}
	for range 45 {
		a, b := 1+rng.IntN(39), 1+rng.IntN(39)
		n.Ties = append(n.Ties, Tie{From: n.Nodes[a].ID, To: n.Nodes[b].ID})
	}
	return n
}

// organisationGraph returns a region's organisation graph: nodes
// organisations spread over the sectors and ties distinct random pairs.
func organisationGraph(nodes, ties int) Network {
	rng := rand.New(rand.NewPCG(uint64(nodes), uint64(ties)))
	n := Network{}
	for i := range nodes {
		n.Nodes = append(n.Nodes, Node{ID: fmt.Sprintf("org%04d", i), Group: sectors[1+rng.IntN(15)]})
	}
	seen := make(map[[2]int]bool, ties)
	for len(seen) < ties {
		a, b := rng.IntN(nodes), rng.IntN(nodes)
		if a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		if seen[[2]int{a, b}] {
			continue
		}
		seen[[2]int{a, b}] = true
		n.Ties = append(n.Ties, Tie{From: n.Nodes[a].ID, To: n.Nodes[b].ID})
	}
	return n
}

func BenchmarkCompute(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    Network
	}{
		{"citizen-map-40", citizenMap()},
		{"organisations-2000x10000", organisationGraph(2000, 10000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Compute(bc.n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
