#!/usr/bin/python3
"""Generate the reference fixtures of package measures.

Run with Debian's python3 and networkx (apt-get install python3-networkx):

    cd pkg/measures/testdata && /usr/bin/python3 gen_fixtures.py

Each graph becomes <name>.json: the input (nodes with a group, ties, directed)
and the expected output in the JSON shape of measures.Result, plus the
per-group E-I indices. See PROVENANCE.md for where each graph comes from and
which value comes from where:

- networkx computes degree, betweenness (normalized=True), constraint,
  effective size, density, components, articulation points and bridges;
- this script computes, by plain implementations of the definitions in
  map-document.md written independently of the Go code, the Gould & Fernandez
  brokerage counts (by enumerating every ordered triple), the Freeman
  centralisations, the E-I indices and their expected values.

Values networkx leaves undefined (NaN: constraint and effective size of a node
without ties) are written as 0, the package's convention, and the node is
listed under "networkxNaN". Nodes of a digraph with in-ties only, for which
networkx 2.x's loop also returns NaN, get the value current networkx computes
(see structural_holes) and are listed under "inTiesOnlyComputed".
"""

import itertools
import json
import math
import os
import sys

import networkx as nx
from networkx.algorithms.structuralholes import normalized_mutual_weight

HERE = os.path.dirname(os.path.abspath(__file__))


# --- definitions computed here (not by networkx) --------------------------


def arcs_of(G):
    """The set of ordered pairs (a, c) with a tie a→c (both ways if undirected)."""
    s = set()
    for u, v in G.edges():
        s.add((u, v))
        if not G.is_directed():
            s.add((v, u))
    return s


def brokerage(G, group):
    """Gould & Fernandez roles by enumerating all ordered triples a, b, c
    (distinct) with a→b, b→c and no a→c. On undirected graphs every tie is
    both arcs, so each open pair {a, c} counts once in each direction."""
    arcs = arcs_of(G)
    roles = {v: dict(coordinator=0, itinerant=0, gatekeeper=0,
                     representative=0, liaison=0) for v in G}
    nodes = list(G)
    for a, b, c in itertools.permutations(nodes, 3):
        if (a, b) not in arcs or (b, c) not in arcs or (a, c) in arcs:
            continue
        ga, gb, gc = group[a], group[b], group[c]
        if ga == gb == gc:
            role = "coordinator"      # A -> A -> A
        elif ga == gc:
            role = "itinerant"        # A -> B -> A
        elif ga == gb:
            role = "representative"   # A -> A -> B: broker in source's group
        elif gb == gc:
            role = "gatekeeper"       # A -> B -> B: broker in destination's group
        else:
            role = "liaison"          # A -> B -> C
        roles[b][role] += 1
    return roles


def freeman(values, denom):
    if len(values) < 3:
        return 0.0
    m = max(values)
    return sum(m - x for x in values) / denom


def centralisations(G):
    n = G.number_of_nodes()
    if n < 3:
        return 0.0, 0.0
    deg = [d for _, d in G.degree()]
    raw = list(nx.betweenness_centrality(G, normalized=False).values())
    if G.is_directed():
        # total degree (in + out): max 2(n-1)(n-2); ordered-pair
        # betweenness: max (n-1)^2 (n-2)
        return (freeman(deg, 2 * (n - 1) * (n - 2)),
                freeman(raw, (n - 1) ** 2 * (n - 2)))
    # undirected: raw betweenness of networkx (normalized=False) counts
    # unordered pairs
    return (freeman(deg, (n - 1) * (n - 2)),
            freeman(raw, (n - 1) ** 2 * (n - 2) / 2))


def ei(G, group):
    e = i = 0
    for u, v in G.edges():
        if group[u] == group[v]:
            i += 1
        else:
            e += 1
    index = (e - i) / (e + i) if e + i else 0.0
    N = G.number_of_nodes()
    if N < 2:
        return index, 0.0
    sizes = {}
    for v in G:
        sizes[group[v]] = sizes.get(group[v], 0) + 1
    share = sum(k * (N - k) for k in sizes.values()) / (N * (N - 1))
    return index, 2 * share - 1


def per_group_ei(G, group):
    ext, inn = {}, {}
    for u, v in G.edges():
        gu, gv = group[u], group[v]
        if gu == gv:
            inn[gu] = inn.get(gu, 0) + 1
        else:
            ext[gu] = ext.get(gu, 0) + 1
            if not G.is_directed():
                ext[gv] = ext.get(gv, 0) + 1
    out = {}
    for g in set(ext) | set(inn):
        e, i = ext.get(g, 0), inn.get(g, 0)
        out[g] = (e - i) / (e + i)
    return out


def per_group_ei_expected(G, group):
    N = G.number_of_nodes()
    sizes = {}
    for v in G:
        sizes[group[v]] = sizes.get(group[v], 0) + 1
    out = {}
    for g, k in sizes.items():
        x = k * (N - k)
        w = k * (k - 1) if G.is_directed() else k * (k - 1) / 2
        if x + w > 0:
            out[g] = (x - w) / (x + w)
    return out


# --- networkx ---------------------------------------------------------------


def structural_holes(G):
    """networkx constraint and effective size. networkx 2.8's loop marks a
    node NaN when it has no *out*-ties (len(G[v]) == 0); current networkx
    (the sparse-matrix path) marks only nodes without any tie. For a node of
    a digraph with in-ties only we therefore sum networkx's own
    local_constraint / normalized_mutual_weight terms, as networkx does for
    every other node."""
    con = nx.constraint(G)
    eff = nx.effective_size(G)
    nan, in_only = [], []
    for v in G:
        nbrs = set(nx.all_neighbors(G, v))
        if not nbrs:
            nan.append(v)
            con[v] = eff[v] = 0.0
            continue
        if math.isnan(con[v]) or math.isnan(eff[v]):
            in_only.append(v)
        if math.isnan(con[v]):
            con[v] = sum(nx.local_constraint(G, v, u) for u in nbrs)
        if math.isnan(eff[v]):
            nmw = normalized_mutual_weight
            eff[v] = sum(
                1 - sum(nmw(G, v, w) * nmw(G, u, w, norm=max) for w in nbrs)
                for u in nbrs)
    return con, eff, nan, in_only


def expected(G, group):
    U = G.to_undirected() if G.is_directed() else G
    bet = nx.betweenness_centrality(G, normalized=True)
    con, eff, nan, in_only = structural_holes(G)
    bro = brokerage(G, group)
    dc, bc = centralisations(G)
    index, exp = ei(G, group)
    actors = {
        str(v): dict(degree=G.degree(v), betweenness=bet[v],
                     constraint=con[v], effectiveSize=eff[v],
                     brokerage=bro[v])
        for v in G
    }
    bridges = sorted(sorted([str(u), str(v)]) for u, v in nx.bridges(U))
    network = dict(
        density=nx.density(G),
        degreeCentralization=dc,
        betweennessCentralization=bc,
        eiIndex=index,
        eiExpected=exp,
        components=(nx.number_weakly_connected_components(G)
                    if G.is_directed() else nx.number_connected_components(G)),
        articulationPoints=sorted(str(v) for v in nx.articulation_points(U)),
        bridges=bridges,
    )
    return (dict(actors=actors, network=network),
            sorted(str(v) for v in nan), sorted(str(v) for v in in_only))


def write(name, description, G, group, ties=None, extra=None):
    """Write one fixture. ties, when given, are the raw input ties (they may
    repeat a pair or tie a node to itself); G must be the simple graph they
    make."""
    if ties is None:
        ties = list(G.edges())
    exp, nan, in_only = expected(G, group)
    doc = dict(
        name=name,
        description=description,
        networkx=nx.__version__,
        directed=G.is_directed(),
        nodes=[dict(id=str(v), group=group[v]) for v in G],
        ties=[{"from": str(u), "to": str(v)} for u, v in ties],
        expected=exp,
        perGroupEI=per_group_ei(G, group),
        perGroupEIExpected=per_group_ei_expected(G, group),
        networkxNaN=nan,
        inTiesOnlyComputed=in_only,
    )
    if extra:
        doc.update(extra)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    return exp


def near(a, b, tol):
    return abs(a - b) <= tol


def check(cond, msg):
    if not cond:
        sys.exit("gen_fixtures: check failed: " + msg)


# --- the graphs -------------------------------------------------------------


def florentine():
    # Padgett & Ansell (1993), marriage ties, as shipped by networkx
    # (15 families; the isolated Pucci family is not in networkx's graph).
    G = nx.florentine_families_graph()
    # The data carry no groups. To exercise brokerage we use a reproducible
    # synthetic partition: networkx's greedy modularity communities
    # (deterministic), labelled c0, c1, ... in the order networkx returns
    # them. It is not a historical faction.
    comms = nx.algorithms.community.greedy_modularity_communities(G)
    group = {v: "c%d" % i for i, c in enumerate(comms) for v in c}
    write("florentine-families",
          "Padgett & Ansell (1993) Florentine marriage network "
          "(networkx.florentine_families_graph); groups: greedy modularity "
          "communities (synthetic)", G, group)


def karate():
    # Zachary (1977); group: the 'club' each member joined after the split.
    G = nx.karate_club_graph()
    group = {v: G.nodes[v]["club"] for v in G}
    # networkx >= 2.8 stores a 'weight' edge attribute; the measures are
    # unweighted, and none of the networkx calls here is given a weight.
    write("karate-club",
          "Zachary (1977) karate club (networkx.karate_club_graph), "
          "group = 'club' attribute", G, group)


def networkx_structural_holes():
    # networkx/algorithms/tests/test_structuralholes.py, unweighted cases.
    D = nx.DiGraph()
    D.add_edges_from([(0, 1), (0, 2), (1, 0), (2, 1)])
    # Groups are not part of the test; arbitrary labels for brokerage.
    exp = write("nx-structuralholes-directed",
                "networkx test_structuralholes.py directed graph D "
                "(unweighted); groups arbitrary", D,
                {0: "a", 1: "a", 2: "b"})
    a = exp["actors"]
    # The values the networkx test asserts (UCINET/igraph, by hand).
    check(near(a["0"]["constraint"], 1.003, 1e-3), "D constraint 0")
    check(near(a["1"]["constraint"], 1.003, 1e-3), "D constraint 1")
    check(near(a["2"]["constraint"], 1.389, 1e-3), "D constraint 2")
    check(near(a["0"]["effectiveSize"], 1.167, 1e-3), "D effsize 0")
    check(near(a["1"]["effectiveSize"], 1.167, 1e-3), "D effsize 1")
    check(near(a["2"]["effectiveSize"], 1, 1e-3), "D effsize 2")

    # Borgatti's example (Connections 20(1):35-38), the test's graph G.
    G = nx.Graph()
    G.add_edges_from([("A", "B"), ("A", "F"), ("A", "G"), ("A", "E"),
                      ("E", "G"), ("F", "G"), ("B", "G"), ("B", "D"),
                      ("D", "G"), ("G", "C")])
    G.add_node("I")  # test_constraint_isolated adds an isolated node (there: 1)
    group = {"A": "x", "B": "x", "C": "y", "D": "y", "E": "z", "F": "z",
             "G": "w", "I": "y"}
    exp = write("nx-structuralholes-undirected",
                "networkx test_structuralholes.py undirected graph G "
                "(Borgatti's example) with the isolated node of "
                "test_constraint_isolated; groups arbitrary", G, group)
    a = exp["actors"]
    check(near(a["G"]["constraint"], 0.400, 1e-3), "G constraint G")
    check(near(a["A"]["constraint"], 0.595, 1e-3), "G constraint A")
    check(near(a["C"]["constraint"], 1, 1e-3), "G constraint C")
    check(near(a["G"]["effectiveSize"], 4.67, 1e-2), "G effsize G")
    check(near(a["A"]["effectiveSize"], 2.50, 1e-2), "G effsize A")
    check(near(a["C"]["effectiveSize"], 1, 1e-2), "G effsize C")


def igraph_constraint():
    # igraph tests/unit/igraph_constraint.c and its expected output
    # igraph_constraint.out (printed to 6 significant digits); the
    # unweighted cases. Groups are arbitrary (for brokerage).
    cases = [
        ("igraph-constraint-line", "Line graph, 4 vertices",
         [(0, 1), (1, 2), (2, 3)], 4, [1, 0.5, 0.5, 1]),
        ("igraph-constraint-full", "Full graph, 4 vertices, no weights",
         [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], 4,
         [0.925926] * 4),
        # igraph counts the loop and gives the same constraint; our input
        # ignores self-ties.
        ("igraph-constraint-full-loop",
         "Full graph, 4 vertices, no weights, with loop",
         [(0, 0), (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], 4,
         [0.925926] * 4),
        # igraph's case spreads weight 1 per pair over repeated edges; here
        # the repeated ties are unweighted and count once, which is the same
        # graph.
        ("igraph-constraint-full-split",
         "Full graph, 4 vertices, all same weights, but split over "
         "multiple edges (unweighted here: repeats count once)",
         [(0, 1), (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (1, 3), (1, 3),
          (2, 3)], 4, [0.925926] * 4),
        ("igraph-constraint-hole", "Hole in middle of two clusters",
         [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (3, 4), (4, 5),
          (5, 6), (5, 7), (5, 8), (6, 7), (6, 8), (7, 8)], 9,
         [0.865741, 0.865741, 0.865741, 0.583333, 0.5, 0.583333, 0.865741,
          0.865741, 0.865741]),
    ]
    for name, title, ties, n, published in cases:
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_edges_from((u, v) for u, v in ties if u != v)
        group = {v: "g%d" % (v % 2) for v in G}
        exp = write(name, "igraph tests/unit/igraph_constraint.c: " + title +
                    "; groups arbitrary (node id mod 2)", G, group, ties=ties,
                    extra=dict(igraphConstraint=published))
        for v, want in enumerate(published):
            got = exp["actors"][str(v)]["constraint"]
            check(near(got, want, 1e-6), "%s node %d: networkx %r, igraph %r"
                  % (name, v, got, want))


def random_directed():
    # A seeded random digraph, for directed betweenness, brokerage and E-I.
    G = nx.gnp_random_graph(30, 0.08, seed=20240607, directed=True)
    group = {v: "s%d" % (v % 4) for v in G}
    write("random-directed",
          "networkx.gnp_random_graph(30, 0.08, seed=20240607, directed=True); "
          "group = s(node mod 4)", G, group)


def hand_made():
    # 1. Star. Centre gp (primary); leaves nurse (primary), dps and tsb
    # (psych), nav (nav). Open pairs at gp, each counted in both directions:
    #   nurse-dps, nurse-tsb, nurse-nav: nurse->gp->X representative (nurse
    #     and gp share a group), X->gp->nurse gatekeeper: 3 + 3;
    #   dps-tsb: both psych, gp outside: itinerant 2;
    #   dps-nav, tsb-nav: three groups: liaison 2 + 2.
    # gp: coordinator 0, itinerant 2, representative 3, gatekeeper 3,
    # liaison 4 (= 12 = 4*3 ordered pairs). Leaves: 0.
    G = nx.Graph([("gp", "nurse"), ("gp", "dps"), ("gp", "tsb"),
                  ("gp", "nav")])
    group = dict(gp="primary", nurse="primary", dps="psych", tsb="psych",
                 nav="nav")
    exp = write("hand-star", "hand-made star (brokerage checked by hand)",
                G, group)
    check(exp["actors"]["gp"]["brokerage"] == dict(
        coordinator=0, itinerant=2, representative=3, gatekeeper=3,
        liaison=4), "star gp brokerage")
    check(near(exp["actors"]["gp"]["betweenness"], 1.0, 1e-12),
          "star centre betweenness")

    # 2. Path a-b-c-d-e, groups x x x y y.
    #   b brokers a,c (x,x,x): coordinator 2.
    #   c brokers b,d: b->c->d representative (b,c both x), d->c->b
    #     gatekeeper (c,b both x): 1 + 1.
    #   d brokers c,e: c->d->e gatekeeper (d,e both y), e->d->c
    #     representative (e,d both y): 1 + 1.
    G = nx.path_graph(["a", "b", "c", "d", "e"])
    group = dict(a="x", b="x", c="x", d="y", e="y")
    exp = write("hand-path", "hand-made path (brokerage checked by hand)",
                G, group)
    z = dict(coordinator=0, itinerant=0, representative=0, gatekeeper=0,
             liaison=0)
    want = dict(a=z, e=z, b=dict(z, coordinator=2),
                c=dict(z, representative=1, gatekeeper=1),
                d=dict(z, representative=1, gatekeeper=1))
    for v, w in want.items():
        check(exp["actors"][v]["brokerage"] == w, "path brokerage " + v)

    # 3. Two triangles a-b-c (x) and d-e-f (y) joined by the bridge c-d.
    #   c: a-b closed; a-c-d and b-c-d: representative (a,c both x) and,
    #     reversed, gatekeeper: 2 + 2.
    #   d: e-f closed; c-d-e and c-d-f: gatekeeper (d,e both y) and,
    #     reversed, representative: 2 + 2.
    # Articulation points c, d; bridge c-d.
    G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"),
                  ("d", "e"), ("e", "f"), ("d", "f")])
    group = dict(a="x", b="x", c="x", d="y", e="y", f="y")
    exp = write("hand-two-triangles",
                "hand-made two triangles joined by a bridge "
                "(brokerage checked by hand)", G, group)
    for v in "cd":
        check(exp["actors"][v]["brokerage"] ==
              dict(z, representative=2, gatekeeper=2), "triangles " + v)
    for v in "abef":
        check(exp["actors"][v]["brokerage"] == z, "triangles " + v)
    check(exp["network"]["articulationPoints"] == ["c", "d"], "triangles ap")
    check(exp["network"]["bridges"] == [["c", "d"]], "triangles bridges")

    # 4. Directed referrals gp->dps, dps->tsb, dps->nav, nav->gp; groups
    # gp primary, dps and tsb psych, nav nav. tsb has in-ties only.
    #   dps: in {gp}, out {tsb, nav}. gp->dps->tsb open: dps and tsb share
    #     a group: gatekeeper 1. gp->dps->nav open (only nav->gp exists):
    #     liaison 1.
    #   gp: nav->gp->dps open: liaison 1.  nav: dps->nav->gp open: liaison 1.
    G = nx.DiGraph([("gp", "dps"), ("dps", "tsb"), ("dps", "nav"),
                    ("nav", "gp")])
    group = dict(gp="primary", dps="psych", tsb="psych", nav="nav")
    ties = [("gp", "dps"), ("dps", "tsb"), ("dps", "nav"), ("nav", "gp"),
            ("gp", "dps"), ("tsb", "tsb")]  # a repeat and a self-tie
    exp = write("hand-directed-referrals",
                "hand-made directed referrals with a sink, a repeated tie "
                "and a self-tie (brokerage checked by hand)", G, group,
                ties=ties)
    want = dict(dps=dict(z, gatekeeper=1, liaison=1), gp=dict(z, liaison=1),
                nav=dict(z, liaison=1), tsb=z)
    for v, w in want.items():
        check(exp["actors"][v]["brokerage"] == w, "referrals " + v)

    # 5. A small citizen map: the citizen, services, an isolated next of
    # kin, a disconnected pair, repeated and self ties in the input.
    edges = [("ola", "gp"), ("ola", "dps"), ("ola", "nav"), ("ola", "tsb"),
             ("gp", "dps"), ("dps", "tsb"), ("nav", "housing"),
             ("peer", "userorg")]
    group = dict(ola="citizen", gp="primary-health", dps="specialist-mh",
                 tsb="specialist-su", nav="welfare-work", housing="housing",
                 mother="informal", peer="peer", userorg="user-org")
    G = nx.Graph()
    G.add_nodes_from(group)
    G.add_edges_from(edges)
    ties = edges + [("dps", "gp"), ("gp", "ola"), ("nav", "nav")]
    write("hand-citizen-map",
          "hand-made citizen map with an isolate, two components besides it, "
          "repeated and self ties", G, group, ties=ties)


def main():
    florentine()
    karate()
    networkx_structural_holes()
    igraph_constraint()
    random_directed()
    hand_made()


if __name__ == "__main__":
    main()
