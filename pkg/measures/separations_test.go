package measures

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func grouped(groups string, ties ...[2]int) Network {
	var n Network
	for i, g := range groups {
		n.Nodes = append(n.Nodes, Node{ID: string(rune('a' + i)), Group: string(g)})
	}
	for _, t := range ties {
		n.Ties = append(n.Ties, Tie{From: string(rune('a' + t[0])), To: string(rune('a' + t[1]))})
	}
	return n
}

func TestSeparations(t *testing.T) {
	for _, c := range []struct {
		name string
		n    Network
		want []Separation
	}{
		{"path of three sectors", grouped("XYZ", [2]int{0, 1}, [2]int{1, 2}), []Separation{
			{Cut: []string{"b"}, Lost: [][2]string{{"X", "Z"}}},
			{Cut: []string{"a", "b"}, Lost: [][2]string{{"X", "Y"}, {"X", "Z"}}},
			{Cut: []string{"b", "c"}, Lost: [][2]string{{"X", "Z"}, {"Y", "Z"}}},
		}},
		{"triangle has no cut", grouped("XYZ", [2]int{0, 1}, [2]int{1, 2}, [2]int{0, 2}), nil},
		{"a second component keeps the pair connected", grouped("XYXY", [2]int{0, 1}, [2]int{2, 3}), nil},
		{"star centre as the search root", grouped("XYZY", [2]int{0, 1}, [2]int{0, 2}, [2]int{0, 3}), []Separation{
			// the tie a–b is no sector's only link: d is Y too
			{Cut: []string{"a"}, Lost: [][2]string{{"Y", "Z"}}},
			{Cut: []string{"a", "c"}, Lost: [][2]string{{"X", "Z"}, {"Y", "Z"}}},
		}},
		// a(X)–b(Y)–c(X)–d(Z): removing b leaves X on both sides but Y
		// gone, so nothing is lost; removing c separates {a, b} from d;
		// the tie b–c is Y's only link to Z, but X stays on both sides.
		{"rest of the component above a cut", grouped("XYXZ", [2]int{0, 1}, [2]int{1, 2}, [2]int{2, 3}), []Separation{
			{Cut: []string{"c"}, Lost: [][2]string{{"X", "Z"}, {"Y", "Z"}}},
			{Cut: []string{"b", "c"}, Lost: [][2]string{{"Y", "Z"}}},
			{Cut: []string{"c", "d"}, Lost: [][2]string{{"X", "Z"}, {"Y", "Z"}}},
		}},
		{"one group cannot be separated from itself", grouped("XXX", [2]int{0, 1}, [2]int{1, 2}), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := ComputeWith(c.n, Options{SkipBetweenness: true, SkipStructuralHoles: true, Separations: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Network.Separations, c.want) {
				t.Errorf("separations = %v\nwant %v", r.Network.Separations, c.want)
			}
			full, err := Compute(c.n)
			if err != nil {
				t.Fatal(err)
			}
			if full.Network.Separations != nil {
				t.Errorf("Compute without the option filled separations: %v", full.Network.Separations)
			}
		})
	}
}

func TestComputeWithSkips(t *testing.T) {
	n := grouped("XYZY", [2]int{0, 1}, [2]int{0, 2}, [2]int{0, 3}, [2]int{1, 2})
	full, err := Compute(n)
	if err != nil {
		t.Fatal(err)
	}
	lean, err := ComputeWith(n, Options{SkipBetweenness: true, SkipStructuralHoles: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.Actors["a"].Betweenness == 0 || full.Actors["a"].Constraint == 0 {
		t.Fatalf("the full computation should measure a: %+v", full.Actors["a"])
	}
	for id, a := range lean.Actors {
		f := full.Actors[id]
		if a.Betweenness != 0 || a.Constraint != 0 || a.EffectiveSize != 0 {
			t.Errorf("%s: skipped measures computed: %+v", id, a)
		}
		if a.Degree != f.Degree || a.Brokerage != f.Brokerage {
			t.Errorf("%s: degree/brokerage %+v differ from the full computation %+v", id, a, f)
		}
	}
	if lean.Network.BetweennessCentralization != 0 || lean.Network.DegreeCentralization != full.Network.DegreeCentralization {
		t.Errorf("network measures: lean %+v, full %+v", lean.Network, full.Network)
	}
	if !reflect.DeepEqual(full.Network.EIByGroup, PerGroupEI(n)) || !reflect.DeepEqual(full.Network.EIExpectedByGroup, PerGroupEIExpected(n)) {
		t.Errorf("per-group E-I in the result %v / %v differ from PerGroupEI %v / %v",
			full.Network.EIByGroup, full.Network.EIExpectedByGroup, PerGroupEI(n), PerGroupEIExpected(n))
	}
}

// TestSeparationsBruteForce compares separations with removing each cut
// and searching the graph again, on random sparse graphs.
func TestSeparationsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		nodes := 2 + rng.IntN(14)
		groups := make([]byte, nodes)
		for i := range groups {
			groups[i] = "XYZW"[rng.IntN(4)]
		}
		var ties [][2]int
		for range rng.IntN(2 * nodes) {
			u, v := rng.IntN(nodes), rng.IntN(nodes)
			if u != v {
				ties = append(ties, [2]int{u, v})
			}
		}
		n := grouped(string(groups), ties...)
		r, err := ComputeWith(n, Options{SkipBetweenness: true, SkipStructuralHoles: true, Separations: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []Separation
		for _, p := range r.Network.ArticulationPoints {
			want = appendLost(want, n, []string{p}, func(u, v string) bool { return u == p || v == p }, p)
		}
		for _, b := range r.Network.Bridges {
			want = appendLost(want, n, b[:], func(u, v string) bool { return (u == b[0] && v == b[1]) || (u == b[1] && v == b[0]) }, "")
		}
		got := r.Network.Separations
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d, %s %v:\nseparations %v\nbrute force %v", round, groups, ties, got, want)
		}
	}
}

// appendLost removes the ties drop selects (and node gone), and appends
// the group pairs connected before and not after, both still present.
func appendLost(out []Separation, n Network, cut []string, drop func(u, v string) bool, gone string) []Separation {
	before := connectedPairs(n, func(string, string) bool { return false }, "")
	after := connectedPairs(n, drop, gone)
	// groups that keep members in the cut's component
	present := map[string]bool{}
	comp := component(n, cut[0])
	for _, nd := range n.Nodes {
		if nd.ID != gone && comp[nd.ID] {
			present[nd.Group] = true
		}
	}
	var lost [][2]string
	for p := range before {
		if !after[p] && present[p[0]] && present[p[1]] {
			lost = append(lost, p)
		}
	}
	if len(lost) == 0 {
		return out
	}
	slices.SortFunc(lost, comparePairs)
	return append(out, Separation{Cut: cut, Lost: lost})
}

func component(n Network, start string) map[string]bool {
	in := map[string]bool{start: true}
	for changed := true; changed; {
		changed = false
		for _, t := range n.Ties {
			if in[t.From] != in[t.To] {
				in[t.From], in[t.To], changed = true, true, true
			}
		}
	}
	return in
}

func connectedPairs(n Network, drop func(u, v string) bool, gone string) map[[2]string]bool {
	adj := map[string][]string{}
	for _, t := range n.Ties {
		if t.From == gone || t.To == gone || drop(t.From, t.To) {
			continue
		}
		adj[t.From] = append(adj[t.From], t.To)
		adj[t.To] = append(adj[t.To], t.From)
	}
	group := map[string]string{}
	for _, nd := range n.Nodes {
		group[nd.ID] = nd.Group
	}
	seen := map[string]bool{}
	pairs := map[[2]string]bool{}
	for _, nd := range n.Nodes {
		if nd.ID == gone || seen[nd.ID] {
			continue
		}
		in := map[string]bool{}
		queue := []string{nd.ID}
		seen[nd.ID] = true
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			in[group[u]] = true
			for _, v := range adj[u] {
				if !seen[v] {
					seen[v] = true
					queue = append(queue, v)
				}
			}
		}
		for x := range in {
			for y := range in {
				if x < y {
					pairs[[2]string{x, y}] = true
				}
			}
		}
	}
	return pairs
}
