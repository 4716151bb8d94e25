package main

import "fmt"

// Benchmarks the table reads (go test -bench names without -GOMAXPROCS).
const (
	benchAppend   = "BenchmarkAnchorAppend"                // pkg/eventlog
	benchRead     = "BenchmarkAnchorRead"                  // pkg/eventlog
	benchRebuild  = "BenchmarkRebuild/events="             // services/graph/graph, + size
	benchCitizen  = "BenchmarkCitizenMap/actors=40"        // pkg/gaps
	benchSystem   = "BenchmarkSystem/orgs=2000/maps=50000" // pkg/gaps
	benchMeasures = "BenchmarkCompute/citizen-map-40"      // pkg/measures
	benchSVG      = "BenchmarkSVG/actors="                 // pkg/draw, + n + /draw or /dot
)

// rebuildSizes are BenchmarkRebuild's two sizes.
var rebuildSizes = [2]int{25_000, 100_000}

// BenchRows are the rows read from the benchmarks' output.
func BenchRows(r Results) []Row {
	var rows []Row

	// appends beside raw batched publishes
	const appendWhat = "appends with validation and concurrency control (64 writers, fsync always)"
	raw, ok1 := r.Get(benchAppend, "raw-ev/s")
	app, ok2 := r.Get(benchAppend, "append-ev/s")
	if ok1 && ok2 && raw > 0 {
		ratio := sameRun(r, benchAppend, app/raw)
		rows = append(rows, Row{What: appendWhat, Figure: rate(app), Value: ptr(app), Unit: "ev/s",
			Anchor: "raw batched JetStream publish (async, 64 in flight): " + rate(raw), Ratio: ptr(ratio),
			Target: "≥ 0.60", Status: check(ratio >= 0.6), Source: "pkg/eventlog " + benchAppend})
	} else {
		rows = append(rows, missing(appendWhat, "≥ 0.60", "pkg/eventlog "+benchAppend, "no result of "+benchAppend))
	}

	// rebuild beside the ordered consumer on the same stream
	for _, n := range rebuildSizes {
		name := fmt.Sprintf("%s%d", benchRebuild, n)
		what := fmt.Sprintf("projection rebuild, %s events", group(float64(n)))
		raw, ok1 := r.Get(name, "raw-ev/s")
		reb, ok2 := r.Get(name, "rebuild-ev/s")
		if !ok1 || !ok2 || raw == 0 {
			rows = append(rows, missing(what, "≥ 0.60", "services/graph/graph "+name, "no result of "+name))
			continue
		}
		ratio := sameRun(r, name, reb/raw)
		rows = append(rows, Row{What: what, Figure: rate(reb), Value: ptr(reb), Unit: "ev/s",
			Anchor: "raw ordered-consumer read, same stream: " + rate(raw), Ratio: ptr(ratio),
			Target: "≥ 0.60", Status: check(ratio >= 0.6), Source: "services/graph/graph " + name})
	}
	if v, ok := r.Get(benchRead, "read-ev/s"); ok {
		rows = append(rows, Row{What: "raw ordered-consumer read, 50,000 small events (cross-check of the anchor)", Figure: rate(v),
			Value: ptr(v), Unit: "ev/s", Anchor: "—", Target: "—", Status: NoTarget, Source: "pkg/eventlog " + benchRead})
	}

	// memory per stored event, at two sizes
	small, ok1 := r.Get(fmt.Sprintf("%s%d", benchRebuild, rebuildSizes[0]), "bytes/event")
	large, ok2 := r.Get(fmt.Sprintf("%s%d", benchRebuild, rebuildSizes[1]), "bytes/event")
	const memWhat = "projection memory per stored event, at 100,000 events"
	if ok1 && ok2 && small > 0 {
		rows = append(rows, Row{What: memWhat, Figure: group(large) + " B", Value: ptr(large), Unit: "B/event",
			Anchor: "at 25,000 events: " + group(small) + " B", Ratio: ptr(large / small),
			Target: "< 500 B; ratio ≤ 1.25 (linear)", Status: check(large < 500 && large/small < 1.25),
			Note:   "Heap (runtime.MemStats after GC) held by the projection over the number of events folded; the ratio compares bytes per event at 100,000 with 25,000: about 1 means linear growth.",
			Source: "services/graph/graph " + benchRebuild + "25000, 100000"})
	} else {
		rows = append(rows, missing(memWhat, "< 500 B", "services/graph/graph "+benchRebuild, "no bytes/event from BenchmarkRebuild"))
	}

	// one citizen map, system-wide
	const citizenWhat = "gap analysis of one citizen map of 40 actors, median"
	if v, ok := r.Get(benchCitizen, "p50-ns"); ok {
		rows = append(rows, Row{What: citizenWhat, Figure: dur(v), Value: ptr(v / 1e6), Unit: "ms", Anchor: "—",
			Target: "< 1 ms", Status: check(v < 1e6), Source: "pkg/gaps " + benchCitizen})
	} else {
		rows = append(rows, missing(citizenWhat, "< 1 ms", "pkg/gaps "+benchCitizen, "no p50-ns of "+benchCitizen))
	}
	const systemWhat = "system-wide analysis, 2,000 organisations and 50,000 citizen maps"
	if v, ok := r.Get(benchSystem, "ns/op"); ok {
		rows = append(rows, Row{What: systemWhat, Figure: dur(v), Value: ptr(v / 1e9), Unit: "s", Anchor: "—",
			Target: "< 5 s", Status: check(v < 5e9), Source: "pkg/gaps " + benchSystem})
	} else {
		rows = append(rows, missing(systemWhat, "< 5 s", "pkg/gaps "+benchSystem, "no result of "+benchSystem))
	}
	if v, ok := r.Get(benchMeasures, "ns/op"); ok {
		rows = append(rows, Row{What: "network measures of a 40-actor citizen map (mean)", Figure: dur(v), Value: ptr(v / 1e6), Unit: "ms",
			Anchor: "—", Target: "—", Status: NoTarget, Source: "pkg/measures " + benchMeasures})
	}

	// drawing beside Graphviz's dot
	for _, n := range []int{10, 40, 150} {
		drawName := fmt.Sprintf("%s%d/draw", benchSVG, n)
		dotName := fmt.Sprintf("%s%d/dot", benchSVG, n)
		what := fmt.Sprintf("person map of %d actors drawn to SVG (Graphviz in WebAssembly, in process)", n)
		d, ok := r.Get(drawName, "ns/op")
		if !ok {
			rows = append(rows, missing(what, "—", "pkg/draw "+drawName, "no result of "+drawName))
			continue
		}
		row := Row{What: what, Figure: dur(d), Value: ptr(d / 1e6), Unit: "ms", Target: "—", Status: NoTarget, Source: "pkg/draw " + drawName + ", " + dotName}
		if g, ok := r.Get(dotName, "ns/op"); ok && d > 0 {
			row.Anchor = "`dot -Tsvg`, same DOT, a process each: " + dur(g)
			row.Ratio = ptr(g / d)
		} else {
			row.Anchor = "`dot` not present"
		}
		rows = append(rows, row)
	}
	return rows
}

// sameRun is the median of the ratio each run reported (figure and anchor
// of one process), or else the ratio of the medians.
func sameRun(r Results, name string, fallback float64) float64 {
	if v, ok := r.Get(name, "ratio"); ok {
		return v
	}
	return fallback
}
