package gaps

import (
	"slices"

	"github.com/samspill/samspill/pkg/measures"
)

// graph is a small undirected, unweighted graph on actor ids: several
// relations between one pair are one tie. Neighbour lists are sorted, so
// that every walk over it is deterministic.
type graph struct {
	nodes []string            // sorted
	adj   map[string][]string // sorted, no duplicates, no self-ties
}

// newGraph builds the graph on nodes with the given ties; ties naming an
// actor outside nodes are left out.
func newGraph(nodes []string, ties [][2]string) *graph {
	g := &graph{nodes: slices.Clone(nodes), adj: make(map[string][]string, len(nodes))}
	slices.Sort(g.nodes)
	g.nodes = slices.Compact(g.nodes)
	for _, n := range g.nodes {
		g.adj[n] = nil
	}
	for _, t := range ties {
		u, v := t[0], t[1]
		_, okU := g.adj[u]
		_, okV := g.adj[v]
		if u == v || !okU || !okV {
			continue
		}
		g.adj[u] = append(g.adj[u], v)
		g.adj[v] = append(g.adj[v], u)
	}
	for n, ns := range g.adj {
		slices.Sort(ns)
		g.adj[n] = slices.Compact(ns)
	}
	return g
}

func (g *graph) tied(u, v string) bool {
	_, ok := slices.BinarySearch(g.adj[u], v)
	return ok
}

// components labels every node but skip (which may be "") with the index
// of its connected component in the graph without skip.
func (g *graph) components(skip string) map[string]int {
	comp := make(map[string]int, len(g.nodes))
	next := 0
	var stack []string
	for _, r := range g.nodes {
		if r == skip {
			continue
		}
		if _, seen := comp[r]; seen {
			continue
		}
		comp[r] = next
		stack = append(stack[:0], r)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range g.adj[v] {
				if w == skip {
					continue
				}
				if _, seen := comp[w]; !seen {
					comp[w] = next
					stack = append(stack, w)
				}
			}
		}
		next++
	}
	return comp
}

// burt returns Burt's (1992) effective size and constraint of ego in the
// unweighted, undirected graph, as networkx's effective_size and
// constraint compute them there:
//
//	effective size = n − 2t/n, with n the neighbours of ego and t the ties
//	among them (Borgatti's form for undirected, unweighted ego networks);
//	constraint = Σ_j ( p_ij + Σ_{q≠i,j} p_iq p_qj )², over the neighbours j
//	of ego i, with the proportional tie strength p_xy = 1/degree(x) when
//	x and y are tied and 0 otherwise.
//
// Both are 0 for an isolated ego (networkx: NaN). This private copy keeps
// the package small; it will be replaced by pkg/measures, which computes
// the same measures for every actor.
func (g *graph) burt(ego string) (effectiveSize, constraint float64) {
	ns := g.adj[ego]
	n := len(ns)
	if n == 0 {
		return 0, 0
	}
	t := 0
	for i, u := range ns {
		for _, v := range ns[i+1:] {
			if g.tied(u, v) {
				t++
			}
		}
	}
	effectiveSize = float64(n) - 2*float64(t)/float64(n)

	p := func(x, y string) float64 {
		if d := len(g.adj[x]); d > 0 && g.tied(x, y) {
			return 1 / float64(d)
		}
		return 0
	}
	for _, j := range ns {
		s := p(ego, j)
		for _, q := range ns {
			if q != j {
				s += p(ego, q) * p(q, j)
			}
		}
		constraint += s * s
	}
	return effectiveSize, constraint
}

// cutVertices returns the articulation points of the graph (see
// measures.ArticulationPoints).
func (g *graph) cutVertices() map[string]bool {
	n := measures.Network{Nodes: make([]measures.Node, len(g.nodes))}
	for i, v := range g.nodes {
		n.Nodes[i].ID = v
		for _, w := range g.adj[v] {
			if v < w {
				n.Ties = append(n.Ties, measures.Tie{From: v, To: w})
			}
		}
	}
	points, _ := measures.ArticulationPoints(n) // valid: built from the graph's own nodes
	cut := make(map[string]bool, len(points))
	for _, p := range points {
		cut[p] = true
	}
	return cut
}
