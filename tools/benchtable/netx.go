package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"time"

	"github.com/samspill/samspill/pkg/measures"
)

// networkxScript times, on the network read from stdin, the measures
// package measures computes that networkx has (degree, betweenness,
// Burt's constraint and effective size, density, components,
// articulation points, bridges), the median of runs, in nanoseconds.
const networkxScript = `
import json, sys, time, statistics
import networkx as nx
spec = json.load(sys.stdin)
g = nx.Graph()
g.add_nodes_from(n["id"] for n in spec["nodes"])
g.add_edges_from((t["from"], t["to"]) for t in spec["ties"])
times = []
for _ in range(spec["runs"]):
    t0 = time.perf_counter_ns()
    dict(g.degree())
    nx.betweenness_centrality(g)
    nx.constraint(g)
    nx.effective_size(g)
    nx.density(g)
    nx.number_connected_components(g)
    list(nx.articulation_points(g))
    list(nx.bridges(g))
    times.append(time.perf_counter_ns() - t0)
print(json.dumps({"ns": statistics.median(times), "version": nx.__version__}))
`

// netCase is one graph measured both ways.
type netCase struct {
	name        string
	nodes, ties int
	runs        int
}

var netCases = []netCase{
	{"40 nodes, 84 ties (a citizen map's size)", 40, 84, 51},
	{"500 nodes, 2,500 ties (an organisation graph)", 500, 2500, 3},
}

// randomNetwork is a connected-ish random graph of distinct ties.
func randomNetwork(nodes, ties int) measures.Network {
	r := rand.New(rand.NewPCG(uint64(nodes), uint64(ties)))
	groups := []string{"primary-health", "specialist-mh", "welfare-work", "housing", "informal", "social"}
	var n measures.Network
	for i := range nodes {
		n.Nodes = append(n.Nodes, measures.Node{ID: fmt.Sprintf("n%04d", i), Group: groups[i%len(groups)]})
	}
	seen := map[[2]int]bool{}
	for i := 1; i < nodes && len(seen) < ties; i++ { // a spanning tree first
		p := [2]int{r.IntN(i), i}
		seen[p] = true
		n.Ties = append(n.Ties, measures.Tie{From: n.Nodes[p[0]].ID, To: n.Nodes[p[1]].ID})
	}
	for len(seen) < ties {
		a, b := r.IntN(nodes), r.IntN(nodes)
		if a == b {
			continue
		}
		a, b = min(a, b), max(a, b)
		if seen[[2]int{a, b}] {
			continue
		}
		seen[[2]int{a, b}] = true
		n.Ties = append(n.Ties, measures.Tie{From: n.Nodes[a].ID, To: n.Nodes[b].ID})
	}
	return n
}

// NetworkxRows times measures.Compute and networkx on the same graphs.
func NetworkxRows(ctx context.Context, python string) []Row {
	var rows []Row
	check := exec.CommandContext(ctx, python, "-c", "import networkx")
	pyErr := check.Run()
	for _, c := range netCases {
		what := "network measures, " + c.name + ", median"
		n := randomNetwork(c.nodes, c.ties)
		times := make([]float64, 0, c.runs)
		for range c.runs {
			start := time.Now()
			if _, err := measures.Compute(n); err != nil {
				rows = append(rows, missing(what, "—", "tools/benchtable", "measures.Compute: "+err.Error()))
				continue
			}
			times = append(times, float64(time.Since(start).Nanoseconds()))
		}
		ns := median(times)
		row := Row{What: what, Figure: dur(ns), Value: ptr(ns / 1e6), Unit: "ms", Target: "—", Status: NoTarget,
			Source: "tools/benchtable: measures.Compute beside networkx on the same random graph"}
		if pyErr != nil {
			row.Anchor = "networkx not present"
			rows = append(rows, row)
			continue
		}
		nx, version, err := runNetworkx(ctx, python, n, c.runs)
		if err != nil {
			row.Anchor = "networkx failed"
			row.Note = err.Error()
		} else {
			row.Anchor = fmt.Sprintf("networkx %s (degree, betweenness, constraint, effective size, density, components, articulation points, bridges): %s", version, dur(nx))
			row.Ratio = ptr(nx / ns)
		}
		rows = append(rows, row)
	}
	return rows
}

func runNetworkx(ctx context.Context, python string, n measures.Network, runs int) (float64, string, error) {
	in, err := json.Marshal(map[string]any{"nodes": n.Nodes, "ties": n.Ties, "runs": runs})
	if err != nil {
		return 0, "", fmt.Errorf("networkx: %w", err)
	}
	cmd := exec.CommandContext(ctx, python, "-c", networkxScript)
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return 0, "", fmt.Errorf("networkx: %w: %s", err, tail(stderr.String()))
	}
	var res struct {
		NS      float64 `json:"ns"`
		Version string  `json:"version"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return 0, "", fmt.Errorf("networkx: %w", err)
	}
	return res.NS, res.Version, nil
}
