package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/measures"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// readOffline reads and validates a map document or bundle for the
// offline commands (see readDocument).
func readOffline(file string) (*mapdoc.Document, *mapdoc.Bundle, error) {
	_, doc, bundle, err := readDocument(file)
	return doc, bundle, err
}

// mapNetwork is a map's network at its asOf: every actor, grouped by
// sector, and the relations active then (one tie per pair).
func mapNetwork(d *mapdoc.Document, directed bool) measures.Network {
	n := measures.Network{Directed: directed}
	for _, a := range d.Actors {
		n.Nodes = append(n.Nodes, measures.Node{ID: a.ID, Group: string(a.Sector)})
	}
	for _, r := range d.Relations {
		if d.ActiveAt(r, d.AsOf) {
			n.Ties = append(n.Ties, measures.Tie{From: r.From, To: r.To})
		}
	}
	return n
}

// organisationNetwork is a bundle's network of organisations: the
// directory entries, grouped by sector, tied where the organisation map
// records an active agreement or an active working relation
// (collaborates, coordinates, refers, informs) joins their actors on any
// citizen map.
func organisationNetwork(b *mapdoc.Bundle, directed bool) measures.Network {
	n := measures.Network{Directed: directed}
	for _, e := range b.Directory {
		n.Nodes = append(n.Nodes, measures.Node{ID: e.ID, Group: string(e.Sector)})
	}
	docs := b.Maps
	if b.OrganisationMap != nil {
		docs = append([]mapdoc.Document{*b.OrganisationMap}, docs...)
	}
	for i := range docs {
		d := &docs[i]
		for _, r := range d.Relations {
			if !d.ActiveAt(r, d.AsOf) || !(r.Type == stakeholder.RelAgreement || r.Type.IsWorkingTie()) {
				continue
			}
			from, to := d.Actor(r.From), d.Actor(r.To)
			if from == nil || to == nil || from.Directory == "" || to.Directory == "" || from.Directory == to.Directory {
				continue
			}
			n.Ties = append(n.Ties, measures.Tie{From: from.Directory, To: to.Directory})
		}
	}
	return n
}

func cmdMetrics(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "json", "json or csv")
	directed := fs.Bool("directed", false, "treat relations as directed from `from` to `to`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: samspill metrics FILE [--format json|csv] [--directed]\n\nPrints the network measures of a map document (its actors at asOf) or of a region\nbundle (its organisations). No server needed. Exit 2 on invalid input.")
		fs.PrintDefaults()
	}
	file, rest := splitFile(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{"metrics needs a FILE"}
	}
	if *format != "json" && *format != "csv" {
		return usageError{fmt.Sprintf("--format %q: want json or csv", *format)}
	}
	doc, bundle, err := readOffline(file)
	if err != nil {
		return err
	}
	var n measures.Network
	if doc != nil {
		n = mapNetwork(doc, *directed)
	} else {
		n = organisationNetwork(bundle, *directed)
	}
	res, err := measures.Compute(n)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeMetricsCSV(stdout, res)
}

// writeMetricsCSV writes one row per actor, a blank line, then one row per
// network measure.
func writeMetricsCSV(w io.Writer, res measures.Result) error {
	cw := csv.NewWriter(w)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
	i := strconv.Itoa
	_ = cw.Write([]string{"id", "degree", "betweenness", "constraint", "effectiveSize", "coordinator", "itinerant", "gatekeeper", "representative", "liaison"})
	ids := make([]string, 0, len(res.Actors))
	for id := range res.Actors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := res.Actors[id]
		b := a.Brokerage
		_ = cw.Write([]string{id, i(a.Degree), f(a.Betweenness), f(a.Constraint), f(a.EffectiveSize),
			i(b.Coordinator), i(b.Itinerant), i(b.Gatekeeper), i(b.Representative), i(b.Liaison)})
	}
	cw.Flush()
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	nm := res.Network
	_ = cw.Write([]string{"measure", "value"})
	for _, row := range [][2]string{
		{"density", f(nm.Density)}, {"degreeCentralization", f(nm.DegreeCentralization)},
		{"betweennessCentralization", f(nm.BetweennessCentralization)}, {"eiIndex", f(nm.EIIndex)},
		{"eiExpected", f(nm.EIExpected)}, {"components", i(nm.Components)},
	} {
		_ = cw.Write(row[:])
	}
	for _, a := range nm.ArticulationPoints {
		_ = cw.Write([]string{"articulationPoint", a})
	}
	for _, b := range nm.Bridges {
		_ = cw.Write([]string{"bridge", b[0] + " " + b[1]})
	}
	cw.Flush()
	return cw.Error()
}
