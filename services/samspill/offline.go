package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/measures"
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

// organisationNetwork is a bundle's network of organisations, the one the
// system-wide gap rules measure (gaps.Area.Network: collaboration on at
// least k citizens' maps or an active agreement, governing bodies left
// out), with each organisation grouped by its sector as map-document.md
// asks of metrics.
func organisationNetwork(b *mapdoc.Bundle) (measures.Network, error) {
	res, err := gaps.System(b, gaps.DefaultSystemConfig())
	if err != nil {
		return measures.Network{}, err
	}
	n := res.Area.Network()
	sector := map[string]string{}
	for _, o := range res.Area.Organisations {
		sector[o.ID] = string(o.Sector)
	}
	for i := range n.Nodes {
		n.Nodes[i].Group = sector[n.Nodes[i].ID]
	}
	return n, nil
}

func cmdMetrics(stdout io.Writer) *cobra.Command {
	var format string
	var directed bool
	cmd := &cobra.Command{
		Use:   "metrics FILE [--format json|csv] [--directed]",
		Short: "network measures of a map document or bundle",
		Long: "Prints the network measures of a map document (its actors at asOf) or of a region\n" +
			"bundle (its organisation graph: organisations tied by collaboration on at least 5\n" +
			"citizens' maps or an agreement; undirected). No server needed. Exit 2 on invalid input.",
		Example:           "  samspill metrics map.json --format csv",
		Args:              positional("a FILE"),
		ValidArgsFunction: fileCompletion("json"),
		RunE: runE(func(_ *cobra.Command, args []string) error {
			return metrics(stdout, args[0], format, directed)
		}),
	}
	choiceFlag(cmd, cmd.Flags(), &format, "format", "json", []string{"json", "csv"}, "what to print")
	cmd.Flags().BoolVar(&directed, "directed", false, "treat relations as directed, from their from to their to actor")
	return cmd
}

func metrics(stdout io.Writer, file, format string, directed bool) error {
	doc, bundle, err := readOffline(file)
	if err != nil {
		return err
	}
	var n measures.Network
	if doc != nil {
		n = mapNetwork(doc, directed)
	} else {
		if directed {
			return usageError{"--directed: a bundle's organisation graph is undirected (its ties are shared collaboration and agreements)"}
		}
		if n, err = organisationNetwork(bundle); err != nil {
			if errors.Is(err, gaps.ErrNotCitizenMap) {
				return usageError{fmt.Sprintf("%s: %v", file, err)}
			}
			return fmt.Errorf("metrics: %w", err)
		}
	}
	res, err := measures.Compute(n)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if format == "json" {
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
	for _, g := range slices.Sorted(maps.Keys(nm.EIByGroup)) {
		_ = cw.Write([]string{"eiIndex[" + g + "]", f(nm.EIByGroup[g])})
	}
	for _, g := range slices.Sorted(maps.Keys(nm.EIExpectedByGroup)) {
		_ = cw.Write([]string{"eiExpected[" + g + "]", f(nm.EIExpectedByGroup[g])})
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
