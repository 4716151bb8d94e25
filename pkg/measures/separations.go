package measures

import (
	"cmp"
	"fmt"
	"slices"
)

// Separation is a cut (an articulation point, or the two ends of a bridge)
// whose removal leaves two groups with no path between any of their
// members, although both keep members in what was the cut's component: the
// cut was their only connection. (A group whose only member there is the
// removed node is not counted: losing it is not a broken link.) Gap rule S4 (fragile bridge) reports them with the sector as
// the group.
type Separation struct {
	// Cut is one node id (an articulation point) or two (a bridge, sorted).
	Cut []string `json:"cut"`
	// Lost lists the pairs of groups that lose their only connection,
	// each pair sorted, the list sorted.
	Lost [][2]string `json:"lost"`
}

// separations finds, on the undirected view, every articulation point and
// every bridge whose removal disconnects two groups, in O(n·G + c·p·G²)
// time for n nodes, G groups and c cuts of p pieces each: one pass over
// the search tree counts the members of each group below every node, so
// the pieces a cut leaves are known without searching again.
//
// Two groups X ≠ Y are connected when some component holds members of
// both. Removing an articulation point p splits its component into the
// subtrees of p's separated children and the rest; removing a bridge
// {p, v} splits it into v's subtree and the rest. The pair (X, Y) is lost
// when it was connected only through this component, both still have
// members among the pieces, and no piece holds both.
func (d *net) separations(s search) []Separation {
	n, G := len(d.ids), len(d.groups)
	if n == 0 || G < 2 {
		return nil
	}
	// below[v*G+g]: members of group g in v's subtree, v included.
	below := make([]int32, n*G)
	for _, v := range s.post {
		below[v*G+d.group[v]]++
		if p := s.parent[v]; p >= 0 {
			for g := range G {
				below[p*G+g] += below[v*G+g]
			}
		}
	}
	counts := func(v int) []int32 { return below[v*G : (v+1)*G] }

	// shared[x*G+y]: how many components hold members of both x and y.
	shared := make([]int32, G*G)
	for r := range n {
		if s.parent[r] >= 0 {
			continue
		}
		c := counts(r)
		for x := range G {
			for y := x + 1; y < G; y++ {
				if c[x] > 0 && c[y] > 0 {
					shared[x*G+y]++
				}
			}
		}
	}

	var out []Separation
	lost := func(cut []string, comp []int32, pieces [][]int32) {
		remain := make([]int32, G)
		for _, pc := range pieces {
			for g, k := range pc {
				remain[g] += k
			}
		}
		var pairs [][2]string
		for x := range G {
			for y := x + 1; y < G; y++ {
				if comp[x] == 0 || comp[y] == 0 || shared[x*G+y] > 1 || remain[x] == 0 || remain[y] == 0 {
					continue
				}
				together := false
				for _, pc := range pieces {
					if pc[x] > 0 && pc[y] > 0 {
						together = true
						break
					}
				}
				if !together {
					pair := [2]string{d.groups[x], d.groups[y]}
					if pair[1] < pair[0] {
						pair[0], pair[1] = pair[1], pair[0]
					}
					pairs = append(pairs, pair)
				}
			}
		}
		if len(pairs) > 0 {
			slices.SortFunc(pairs, comparePairs)
			out = append(out, Separation{Cut: cut, Lost: pairs})
		}
	}
	rest := func(comp []int32, minus ...[]int32) []int32 {
		r := slices.Clone(comp)
		for _, m := range minus {
			for g, k := range m {
				r[g] -= k
			}
		}
		return r
	}

	for _, p := range s.points {
		comp := counts(s.root[p])
		var pieces [][]int32
		for _, w := range d.adj[p] {
			c := int(w)
			if s.parent[c] == p && (s.parent[p] < 0 || s.low[c] >= s.disc[p]) {
				pieces = append(pieces, counts(c))
			}
		}
		if s.parent[p] >= 0 {
			self := make([]int32, G)
			self[d.group[p]] = 1
			pieces = append(pieces, rest(comp, append(slices.Clone(pieces), self)...))
		}
		lost([]string{d.ids[p]}, comp, pieces)
	}
	for _, b := range s.bridges {
		comp := counts(s.root[b[1]])
		sub := counts(b[1])
		cut := []string{d.ids[b[0]], d.ids[b[1]]}
		slices.Sort(cut)
		lost(cut, comp, [][]int32{sub, rest(comp, sub)})
	}
	slices.SortFunc(out, func(a, b Separation) int {
		return cmp.Or(cmp.Compare(len(a.Cut), len(b.Cut)), slices.Compare(a.Cut, b.Cut))
	})
	return out
}

func comparePairs(a, b [2]string) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

// ArticulationPoints returns the articulation points of n's undirected
// view, sorted: the nodes whose removal leaves more components. It does
// only the depth-first search of [Compute], for callers that need no
// other measure. The error is that of [Network.Validate].
func ArticulationPoints(n Network) ([]string, error) {
	d, err := build(n)
	if err != nil {
		return nil, fmt.Errorf("measures: %w", err)
	}
	s := d.cuts()
	out := make([]string, 0, len(s.points))
	for _, v := range s.points {
		out = append(out, d.ids[v])
	}
	slices.Sort(out)
	return out, nil
}
