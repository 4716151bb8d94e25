// Package measures computes the network measures Samspill shows and its gap
// rules use: per actor, degree, betweenness, Burt's constraint and effective
// size, and Gould & Fernandez brokerage roles by sector; per network,
// density, Freeman degree and betweenness centralisation, the E-I index by
// sector and its value under random mixing, components, articulation points
// and bridges. The JSON form of [Result] is the output of
// `samspill metrics` (shared/map-document.md, "Offline commands").
//
// [Compute] builds one gonum graph (graph/simple, directed or undirected)
// from a compact [Network] and computes everything on it; the undirected
// view of a directed network is gonum's graph.Undirect over the same graph,
// not a copy. Several ties between one pair count as one tie; a tie from a
// node to itself is ignored.
//
// # Measures and their sources
//
// The values agree to six decimals with networkx on the fixtures in
// testdata (Florentine families, Zachary's karate club, networkx's and
// igraph's structural-holes test graphs, hand-made graphs); see
// testdata/PROVENANCE.md.
//
//   - Degree: neighbours on the simple graph; directed, in-degree plus
//     out-degree (networkx DiGraph.degree).
//   - Betweenness: Freeman (1977), by Brandes' algorithm (gonum
//     network.Betweenness), normalised as networkx.betweenness_centrality
//     with normalized=True: divided by (n−1)(n−2)/2 pairs undirected and
//     (n−1)(n−2) ordered pairs directed.
//   - Constraint and effective size: Burt (1992) on the unweighted graph, as
//     networkx.constraint and networkx.effective_size (effective size on an
//     undirected network by Borgatti's (1997) simplification n − 2t/n).
//     Both are undefined for an actor without ties (networkx: NaN); they
//     are 0 here, as NaN has no JSON form.
//   - Brokerage: Gould & Fernandez (1989), with the actor's group (sector):
//     the 2-paths a→b→c with no tie a→c in which the actor is b, as
//     coordinator (a, b, c in one group), itinerant (a and c in one group,
//     b not), representative (b in a's group, c outside), gatekeeper (b in
//     c's group, a outside) and liaison (three groups), as R's
//     sna::brokerage counts them. On an undirected network each open pair
//     {a, c} counts once in each direction.
//   - Density: ties over possible ties (networkx.density).
//   - Centralisation: Freeman (1979), Σ(max − xᵢ) over the value of a star.
//     Degree: Σ(max−dᵢ)/((n−1)(n−2)); directed, on in+out degree, over
//     2(n−1)(n−2). Betweenness, on raw counts: undirected pair counts over
//     (n−1)²(n−2)/2; directed ordered-pair counts over (n−1)²(n−2). Both
//     are 0 for fewer than 3 actors.
//   - E-I index: Krackhardt & Stern (1988), (E−I)/(E+I) over ties between
//     (E) and within (I) groups, 0 without ties; expected value under random
//     mixing 2s−1, with s = Σ_g n_g(N−n_g)/(N(N−1)) the share of possible
//     ties that cross groups. [PerGroupEI] and [PerGroupEIExpected] give the
//     same per group (gap rule S2).
//   - Components (weakly connected when directed), articulation points and
//     bridges of the undirected view, sorted by id; each bridge's pair is
//     sorted too. [ComputeWith] can add, for each cut, the pairs of groups
//     it is the only connection between ([Separation]; gap rule S4), and
//     leave out betweenness and the structural-hole measures where they
//     are not needed.
//
// Floating-point results are rounded to 12 significant digits. gonum's
// betweenness visits nodes in map order, so the last bits of its sums vary
// between runs; rounding keeps the output identical from run to run.
//
// # Cost
//
// Exact betweenness takes O(nm) time for n actors and m ties, and the
// constraint, effective size and brokerage of an actor of degree k take
// O(k²). That is fast on a citizen map (about a millisecond for 40 actors)
// and acceptable on a region's organisation graph (seconds for 2,000
// organisations and 10,000 ties: see BenchmarkCompute), which are the graphs
// callers measure. Do not compute it on all actors of a region's citizen
// maps merged together.
//
// # Concurrency
//
// Compute keeps no state between calls and may be called concurrently.
package measures
