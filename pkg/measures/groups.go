package measures

import "gonum.org/v1/gonum/graph"

// eiIndex returns Krackhardt & Stern's E-I index of the network and the
// value expected under random mixing.
//
// E is the number of ties between groups and I the number within groups
// (arcs when directed): EI = (E − I)/(E + I), 0 when there are no ties.
//
// Expected: if every possible tie were equally likely, the share of ties
// that are external would be the share of possible ties that are external,
//
//	s = Σ_g n_g(N − n_g) / (N(N − 1))
//
// for N nodes in groups of n_g (undirected: pairs across groups over all
// pairs, both halved; directed: ordered pairs, the same ratio), so the
// expected index is s − (1 − s) = 2s − 1. It is 0 for fewer than 2 nodes.
func (d *net) eiIndex() (ei, expected float64) {
	var e, i int
	edges := d.edges()
	for edges.Next() {
		ed := edges.Edge()
		if d.group[ed.From().ID()] == d.group[ed.To().ID()] {
			i++
		} else {
			e++
		}
	}
	if e+i > 0 {
		ei = float64(e-i) / float64(e+i)
	}

	N := float64(len(d.ids))
	if N < 2 {
		return ei, 0
	}
	var ext float64
	for _, ng := range d.groupSizes() {
		ext += float64(ng) * (N - float64(ng))
	}
	return ei, 2*ext/(N*(N-1)) - 1
}

// edges iterates over the ties of the graph: each undirected edge once, or
// each arc.
func (d *net) edges() graph.Edges {
	if d.directed {
		return d.dg.Edges()
	}
	return d.ug.Edges()
}

func (d *net) groupSizes() []int {
	size := make([]int, len(d.groups))
	for _, g := range d.group {
		size[g]++
	}
	return size
}

// groupCounts returns, per group g, E_g and I_g: I_g the ties within g;
// E_g the ties between a member of g and a non-member (undirected), or the
// arcs from a member of g to a non-member (directed).
func (d *net) groupCounts() (ext, in []int) {
	ext = make([]int, len(d.groups))
	in = make([]int, len(d.groups))
	edges := d.edges()
	for edges.Next() {
		ed := edges.Edge()
		gu, gv := d.group[ed.From().ID()], d.group[ed.To().ID()]
		switch {
		case gu == gv:
			in[gu]++
		case d.directed:
			ext[gu]++
		default:
			ext[gu]++
			ext[gv]++
		}
	}
	return ext, in
}

// PerGroupEI returns the E-I index of each group g,
// (E_g − I_g)/(E_g + I_g), where I_g counts the ties within g and E_g the
// ties between members of g and other groups (directed: the arcs from
// members of g to other groups). It is −1 for a group whose ties all stay
// inside it and 1 for a group with external ties only. A group whose members
// have no such ties has no index and is absent from the map. PerGroupEI
// returns nil when n is invalid (see [Network.Validate]). [Compute] gives
// the same in NetworkMeasures.EIByGroup.
//
// Gap rule S2 (sector silo) compares it with [PerGroupEIExpected].
func PerGroupEI(n Network) map[string]float64 {
	d, err := build(n)
	if err != nil {
		return nil
	}
	return d.groupEI()
}

func (d *net) groupEI() map[string]float64 {
	ext, in := d.groupCounts()
	out := make(map[string]float64, len(d.groups))
	for g, name := range d.groups {
		if t := ext[g] + in[g]; t > 0 {
			out[name] = stable(float64(ext[g]-in[g]) / float64(t))
		}
	}
	return out
}

// PerGroupEIExpected returns, per group g, the E-I index [PerGroupEI] would
// have under random mixing, given the group sizes: every possible tie
// involving g equally likely. With N nodes and n_g in g, the possible
// external ties are X = n_g(N − n_g) and the possible internal ones
// W = n_g(n_g − 1)/2 undirected (unordered pairs) or n_g(n_g − 1) directed
// (arcs sent by members of g); the expected index is (X − W)/(X + W).
// A group with no possible ties (the only node of the network) is absent.
// It returns nil when n is invalid.
func PerGroupEIExpected(n Network) map[string]float64 {
	d, err := build(n)
	if err != nil {
		return nil
	}
	return d.groupEIExpected()
}

func (d *net) groupEIExpected() map[string]float64 {
	size := d.groupSizes()
	N := float64(len(d.ids))
	out := make(map[string]float64, len(size))
	for g, k := range size {
		ng := float64(k)
		x := ng * (N - ng)
		w := ng * (ng - 1)
		if !d.directed {
			w /= 2
		}
		if x+w > 0 {
			out[d.groups[g]] = stable((x - w) / (x + w))
		}
	}
	return out
}
