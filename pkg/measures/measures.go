package measures

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

// Errors returned (wrapped, with the position of the offending node or tie)
// by [Compute] and [Network.Validate].
var (
	ErrEmptyID       = errors.New("empty node id")
	ErrDuplicateNode = errors.New("duplicate node id")
	ErrUnknownNode   = errors.New("tie refers to an unknown node")
)

// Node is an actor of the network. Group is the actor's sector; it is what
// brokerage roles and E-I indices are grouped by. Any string is a group,
// including "".
type Node struct {
	ID    string `json:"id"`
	Group string `json:"group"`
}

// Tie joins two nodes. Several ties between one pair (in one direction, when
// the network is directed) count as one; a tie from a node to itself is
// ignored.
type Tie struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Network is the input of [Compute]: nodes with a group, and ties.
// When Directed is false, ties are undirected.
type Network struct {
	Nodes    []Node `json:"nodes"`
	Ties     []Tie  `json:"ties"`
	Directed bool   `json:"directed,omitempty"`
}

// Result holds the measures of every actor (keyed by node id) and of the
// network. Its JSON form is the output of `samspill metrics`.
type Result struct {
	Actors  map[string]ActorMeasures `json:"actors"`
	Network NetworkMeasures          `json:"network"`
}

// ActorMeasures are the measures of one actor. See the package
// documentation for the definitions.
type ActorMeasures struct {
	Degree        int       `json:"degree"`
	Betweenness   float64   `json:"betweenness"`
	Constraint    float64   `json:"constraint"`
	EffectiveSize float64   `json:"effectiveSize"`
	Brokerage     Brokerage `json:"brokerage"`
}

// Brokerage counts the Gould & Fernandez brokerage roles an actor plays:
// the open 2-paths a→b→c (no tie a→c) in which the actor is b.
type Brokerage struct {
	Coordinator    int `json:"coordinator"`
	Itinerant      int `json:"itinerant"`
	Gatekeeper     int `json:"gatekeeper"`
	Representative int `json:"representative"`
	Liaison        int `json:"liaison"`
}

// NetworkMeasures are the measures of the whole network. The slices are never
// nil, so that they encode as [] in JSON.
type NetworkMeasures struct {
	Density                   float64     `json:"density"`
	DegreeCentralization      float64     `json:"degreeCentralization"`
	BetweennessCentralization float64     `json:"betweennessCentralization"`
	EIIndex                   float64     `json:"eiIndex"`
	EIExpected                float64     `json:"eiExpected"`
	Components                int         `json:"components"`
	ArticulationPoints        []string    `json:"articulationPoints"`
	Bridges                   [][2]string `json:"bridges"`
	// EIByGroup is each group's E-I index (see [PerGroupEI]) and
	// EIExpectedByGroup its value under random mixing
	// ([PerGroupEIExpected]), by group (sector).
	EIByGroup         map[string]float64 `json:"eiBySector,omitempty"`
	EIExpectedByGroup map[string]float64 `json:"eiExpectedBySector,omitempty"`
	// Separations is filled by [ComputeWith] with Options.Separations.
	Separations []Separation `json:"separations,omitempty"`
}

// Validate reports whether n can be measured: every node has a non-empty,
// unique id and every tie joins known nodes. The error wraps
// [ErrEmptyID], [ErrDuplicateNode] or [ErrUnknownNode].
func (n Network) Validate() error {
	_, err := index(n)
	return err
}

// index maps node ids to their position in n.Nodes, which is also their
// gonum node id, after checking n.
func index(n Network) (map[string]int64, error) {
	pos := make(map[string]int64, len(n.Nodes))
	for i, nd := range n.Nodes {
		if nd.ID == "" {
			return nil, fmt.Errorf("node %d: %w", i, ErrEmptyID)
		}
		if j, dup := pos[nd.ID]; dup {
			return nil, fmt.Errorf("node %d %q (also node %d): %w", i, nd.ID, j, ErrDuplicateNode)
		}
		pos[nd.ID] = int64(i)
	}
	for i, t := range n.Ties {
		for _, id := range [2]string{t.From, t.To} {
			if id == "" {
				return nil, fmt.Errorf("tie %d: %w", i, ErrEmptyID)
			}
			if _, ok := pos[id]; !ok {
				return nil, fmt.Errorf("tie %d (%q, %q): %w %q", i, t.From, t.To, ErrUnknownNode, id)
			}
		}
	}
	return pos, nil
}

// net is the one graph of a computation: a gonum simple graph (directed or
// undirected) whose node ids are the positions in Network.Nodes, with the
// node attributes beside it.
type net struct {
	ids      []string
	group    []int // index into groups
	groups   []string
	directed bool

	g  graph.Graph             // the gonum graph: ug or dg
	ug *simple.UndirectedGraph // when !directed
	dg *simple.DirectedGraph   // when directed
	// und is the undirected view of g: g itself, or graph.Undirect over dg
	// (a view, not a copy).
	und graph.Undirected

	ties int // distinct ties: edges, or arcs when directed
	// adj[v] lists v's neighbours in und (in- and out-neighbours when
	// directed), sorted, read once from the gonum graph so that the sums
	// below run in a fixed order.
	adj [][]int64
}

func build(n Network) (*net, error) {
	pos, err := index(n)
	if err != nil {
		return nil, err
	}
	d := &net{
		ids:      make([]string, len(n.Nodes)),
		group:    make([]int, len(n.Nodes)),
		directed: n.Directed,
	}
	gi := make(map[string]int)
	for i, nd := range n.Nodes {
		d.ids[i] = nd.ID
		k, ok := gi[nd.Group]
		if !ok {
			k = len(d.groups)
			gi[nd.Group] = k
			d.groups = append(d.groups, nd.Group)
		}
		d.group[i] = k
	}

	var (
		add func(graph.Node)
		has func(u, v int64) bool
		set func(graph.Edge)
	)
	if n.Directed {
		d.dg = simple.NewDirectedGraph()
		d.g, d.und = d.dg, graph.Undirect{G: d.dg}
		add, has, set = d.dg.AddNode, d.dg.HasEdgeFromTo, d.dg.SetEdge
	} else {
		d.ug = simple.NewUndirectedGraph()
		d.g, d.und = d.ug, d.ug
		add, has, set = d.ug.AddNode, d.ug.HasEdgeBetween, d.ug.SetEdge
	}
	for i := range n.Nodes {
		add(simple.Node(i))
	}
	for _, t := range n.Ties {
		u, v := pos[t.From], pos[t.To]
		if u == v || has(u, v) {
			continue
		}
		set(simple.Edge{F: simple.Node(u), T: simple.Node(v)})
		d.ties++
	}

	d.adj = make([][]int64, len(n.Nodes))
	for i := range d.adj {
		d.adj[i] = sortedIDs(d.und.From(int64(i)))
	}
	return d, nil
}

func sortedIDs(it graph.Nodes) []int64 {
	ids := make([]int64, 0, it.Len())
	for it.Next() {
		ids = append(ids, it.Node().ID())
	}
	slices.Sort(ids)
	return ids
}

// arc reports whether there is a tie from u to v (either way when undirected).
func (d *net) arc(u, v int64) bool {
	if d.directed {
		return d.dg.HasEdgeFromTo(u, v)
	}
	return d.ug.HasEdgeBetween(u, v)
}

// Options selects measures that [ComputeWith] may leave out or add. The
// zero Options computes what [Compute] does.
type Options struct {
	// SkipBetweenness leaves betweenness and betweenness centralisation
	// at 0. Exact betweenness takes O(nm) time; the system-wide gap rules
	// do not need it.
	SkipBetweenness bool
	// SkipStructuralHoles leaves constraint and effective size at 0.
	SkipStructuralHoles bool
	// Separations fills NetworkMeasures.Separations: which groups each
	// articulation point and bridge is the only connection between.
	Separations bool
}

// Compute measures the network n. It builds one gonum graph and computes
// every measure on it. It returns an error wrapping [ErrEmptyID],
// [ErrDuplicateNode] or [ErrUnknownNode] when n is invalid.
//
// Exact betweenness takes O(nm) time for n actors and m ties; see the
// package documentation for where to use it.
func Compute(n Network) (Result, error) { return ComputeWith(n, Options{}) }

// ComputeWith is [Compute] with the measures o selects, on one graph.
func ComputeWith(n Network, o Options) (Result, error) {
	d, err := build(n)
	if err != nil {
		return Result{}, fmt.Errorf("measures: %w", err)
	}
	nn := len(d.ids)
	N := float64(nn)

	degree := d.degrees()

	// gonum's Brandes betweenness sums over ordered pairs (s, t), also on
	// undirected graphs: for those it is twice the unordered pair count.
	raw := make([]float64, nn) // ordered-pair sums
	if !o.SkipBetweenness {
		for id, b := range network.Betweenness(d.g) {
			raw[id] = b
		}
	}
	// networkx normalises by 1/((n-1)(n-2)) for both directed and
	// undirected graphs (the ordered-pair sum of an undirected graph over
	// (n-1)(n-2) equals its pair count over (n-1)(n-2)/2), and leaves
	// graphs of n <= 2 unscaled, where every value is 0.
	normBetween := 1.0
	if nn > 2 {
		normBetween = 1 / ((N - 1) * (N - 2))
	}

	constraint, effSize := make([]float64, nn), make([]float64, nn)
	if !o.SkipStructuralHoles {
		constraint, effSize = d.structuralHoles()
	}
	brokerage := d.brokerage()

	res := Result{Actors: make(map[string]ActorMeasures, nn)}
	for i, id := range d.ids {
		res.Actors[id] = ActorMeasures{
			Degree:        degree[i],
			Betweenness:   stable(raw[i] * normBetween),
			Constraint:    stable(constraint[i]),
			EffectiveSize: stable(effSize[i]),
			Brokerage:     brokerage[i],
		}
	}

	nm := &res.Network
	nm.Density = stable(d.density())

	// Freeman centralisation, Σ(max − xᵢ) over its maximum for n nodes,
	// reached by the star. Degree: (n−1)(n−2) undirected; directed, on
	// total degree (in + out), 2(n−1)(n−2) (the star with mutual ties).
	// Betweenness on raw counts: (n−1)²(n−2)/2 on undirected pair counts;
	// directed, on ordered-pair counts, (n−1)²(n−2) (as R sna does).
	if nn >= 3 {
		degs := make([]float64, nn)
		for i, k := range degree {
			degs[i] = float64(k)
		}
		maxDeg := (N - 1) * (N - 2)
		maxBet := (N - 1) * (N - 1) * (N - 2)
		if d.directed {
			maxDeg *= 2
		} else {
			for i := range raw {
				raw[i] /= 2
			}
			maxBet /= 2
		}
		nm.DegreeCentralization = stable(freeman(degs) / maxDeg)
		nm.BetweennessCentralization = stable(freeman(raw) / maxBet)
	}

	nm.EIIndex, nm.EIExpected = d.eiIndex()
	nm.EIIndex, nm.EIExpected = stable(nm.EIIndex), stable(nm.EIExpected)
	nm.EIByGroup, nm.EIExpectedByGroup = d.groupEI(), d.groupEIExpected()

	nm.Components = len(topo.ConnectedComponents(d.und))
	search := d.cuts()
	cuts, bridges := search.points, search.bridges
	if o.Separations {
		nm.Separations = d.separations(search)
	}
	nm.ArticulationPoints = make([]string, 0, len(cuts))
	for _, v := range cuts {
		nm.ArticulationPoints = append(nm.ArticulationPoints, d.ids[v])
	}
	slices.Sort(nm.ArticulationPoints)
	nm.Bridges = make([][2]string, 0, len(bridges))
	for _, b := range bridges {
		p := [2]string{d.ids[b[0]], d.ids[b[1]]}
		if p[1] < p[0] {
			p[0], p[1] = p[1], p[0]
		}
		nm.Bridges = append(nm.Bridges, p)
	}
	slices.SortFunc(nm.Bridges, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	return res, nil
}

// degrees returns each node's degree as networkx counts it on the simple
// graph: the number of neighbours when undirected; in-degree plus
// out-degree when directed (a mutual pair counts twice).
func (d *net) degrees() []int {
	deg := make([]int, len(d.ids))
	for i := range deg {
		if d.directed {
			deg[i] = d.dg.From(int64(i)).Len() + d.dg.To(int64(i)).Len()
		} else {
			deg[i] = len(d.adj[i])
		}
	}
	return deg
}

// density is networkx.density: ties over possible ties, n(n−1)/2 undirected
// and n(n−1) directed; 0 for fewer than two nodes.
func (d *net) density() float64 {
	n := float64(len(d.ids))
	if n < 2 || d.ties == 0 {
		return 0
	}
	dens := float64(d.ties) / (n * (n - 1))
	if !d.directed {
		dens *= 2
	}
	return dens
}

// freeman returns Σ(max − xᵢ).
func freeman(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	m := slices.Max(x)
	var s float64
	for _, v := range x {
		s += m - v
	}
	return s
}

// stable rounds x to 12 significant digits. gonum's betweenness visits
// nodes in map order, so the last bits of a sum can change from run to run;
// rounding makes the output (and its JSON) the same every time while
// staying far inside the six decimals the measures are checked to.
func stable(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	v, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return v
}
