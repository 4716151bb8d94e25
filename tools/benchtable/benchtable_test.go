package main

import (
	"context"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/samspill/samspill/pkg/eventlog
BenchmarkAnchorAppend-2   	       1	5211398626 ns/op	      2295 append-ev/s	         0.9936 ratio	      2310 raw-ev/s
BenchmarkAnchorAppend-2   	       1	5211398626 ns/op	      1000 append-ev/s	         0.5 ratio	      2000 raw-ev/s
BenchmarkAnchorAppend-2   	       1	5211398626 ns/op	      2000 append-ev/s	         0.5 ratio	      4000 raw-ev/s
BenchmarkAnchorRead-2     	       1	 191522630 ns/op	    262473 read-ev/s
PASS
ok  	github.com/samspill/samspill/pkg/eventlog	25.929s
BenchmarkRebuild/events=25000-2 	1	1 ns/op	100000 raw-ev/s	50000 rebuild-ev/s	0.5 ratio	270 bytes/event	270 MB/1M-events
BenchmarkRebuild/events=100000-2 	1	1 ns/op	100000 raw-ev/s	70000 rebuild-ev/s	0.7 ratio	280 bytes/event	280 MB/1M-events
BenchmarkCitizenMap/actors=40-2 	100	500000 ns/op	440000 p50-ns	9000000 p99-ns	343000 B/op	10 allocs/op
BenchmarkSystem/orgs=2000/maps=50000-2 	1	6100000000 ns/op
BenchmarkSVG/actors=40/draw-2 	40	28000000 ns/op	1.6 MB/s
BenchmarkSVG/actors=40/dot-2 	20	51000000 ns/op	0.9 MB/s	0.55 draw/dot
--- SKIP: BenchmarkSVG/actors=150/dot
BenchmarkSVG/actors=150/draw-2 	10	76000000 ns/op	1.6 MB/s
`

func TestParseAndRows(t *testing.T) {
	res, err := ParseBench(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := res.Get("BenchmarkAnchorAppend", "append-ev/s"); !ok || v != 2000 {
		t.Fatalf("median append rate = %v, %v; want 2000 (median of three runs)", v, ok)
	}
	rows := map[string]Row{}
	for _, r := range BenchRows(res) {
		rows[r.What] = r
	}
	want := map[string]struct {
		status string
		ratio  float64
	}{
		"appends with validation and concurrency control (64 writers, fsync always)":  {NotMet, 0.5},
		"projection rebuild, 25,000 events":                                           {NotMet, 0.5},
		"projection rebuild, 100,000 events":                                          {Met, 0.7},
		"projection memory per stored event, at 100,000 events":                       {Met, 280.0 / 270},
		"gap analysis of one citizen map of 40 actors, median":                        {Met, -1},
		"system-wide analysis, 2,000 organisations and 50,000 citizen maps":           {NotMet, -1},
		"person map of 40 actors drawn to SVG (Graphviz in WebAssembly, in process)":  {NoTarget, 51.0 / 28},
		"person map of 150 actors drawn to SVG (Graphviz in WebAssembly, in process)": {NoTarget, -1},
		"person map of 10 actors drawn to SVG (Graphviz in WebAssembly, in process)":  {NotMeasured, -1},
	}
	for what, w := range want {
		r, ok := rows[what]
		if !ok {
			t.Errorf("no row %q", what)
			continue
		}
		if r.Status != w.status {
			t.Errorf("%s: status %q, want %q", what, r.Status, w.status)
		}
		if w.ratio < 0 {
			if r.Ratio != nil {
				t.Errorf("%s: ratio %v, want none", what, *r.Ratio)
			}
		} else if r.Ratio == nil || abs(*r.Ratio-w.ratio) > 1e-9 {
			t.Errorf("%s: ratio %v, want %v", what, r.Ratio, w.ratio)
		}
	}
	if a := rows["person map of 150 actors drawn to SVG (Graphviz in WebAssembly, in process)"].Anchor; a != "`dot` not present" {
		t.Errorf("150-actor anchor %q, want dot not present", a)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestLoadRows(t *testing.T) {
	rows := LoadRows(LoadResult{}, nil, "always")
	if len(rows) != 2 || rows[0].Status != NotMeasured || rows[1].Status != NotMeasured {
		t.Fatalf("rows without a load run: %+v", rows)
	}
	half := &loadReport{}
	half.Groups = append(half.Groups, struct {
		Name       string  `json:"name"`
		Count      int64   `json:"count"`
		Errors     int64   `json:"errors"`
		Throughput float64 `json:"throughput"`
		LatencyMs  latency `json:"latencyMs"`
	}{Name: "commands", Count: 100, LatencyMs: latency{P50: 2, P99: 4.5}})
	rows = LoadRows(LoadResult{Max: &loadReport{}, Half: half, Rate: 180}, nil, "always")
	if rows[0].Status != Met || *rows[0].Value != 4.5 {
		t.Errorf("command row %+v, want met at 4.5 ms", rows[0])
	}
	// The same figures with a weaker durability are shown for comparison
	// and meet no target.
	weak := LoadRows(LoadResult{Half: half, Rate: 180}, nil, "interval")
	if weak[0].Status != NoTarget || weak[0].Target != "—" || !strings.Contains(weak[0].What, "--sync interval") || *weak[0].Value != 4.5 ||
		weak[0].Anchor != "run at 180 requests/s (the rate of the run with fsync always)" {
		t.Errorf("command row with --sync interval %+v, want 4.5 ms for comparison, no target", weak[0])
	}
	if rows[1].Status != NotMeasured {
		t.Errorf("gap row %+v, want not measured (no probes)", rows[1])
	}
}

func TestNetworkxAbsent(t *testing.T) {
	rows := NetworkxRows(context.Background(), "/nonexistent/python3")
	if len(rows) != len(netCases) {
		t.Fatalf("%d rows, want %d", len(rows), len(netCases))
	}
	for _, r := range rows {
		if r.Anchor != "networkx not present" || r.Ratio != nil || r.Value == nil {
			t.Errorf("row %+v: want our figure beside 'networkx not present'", r)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tb := Table{Date: "2026-11-23", Machine: "2 cores", Rows: []Row{
		{What: "a|b", Figure: "1 ms", Anchor: "—", Ratio: ptr(0.5), Target: "< 5 ms", Status: Met, Note: "a note", Source: "x"},
	}}
	var b strings.Builder
	if err := tb.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`| a\|b [1] | 1 ms | — | 0.50 | < 5 ms | **met** |`, "1. a note", "2026-11-23"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}
