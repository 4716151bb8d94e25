package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// analysedGap is a gap in the analyse output; Map is set for bundles.
type analysedGap struct {
	gaps.OutputGap
	Map string `json:"map,omitempty"`
}

func cmdAnalyse(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "text or json")
	lang := fs.String("lang", "en", "language of explanations and next steps: en or nb")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: samspill analyse FILE [--format text|json] [--lang en|nb]\n\nPrints the coordination gaps of a map document (rules P1–P14 at its asOf), or of\nevery citizen map of a region bundle. No server needed. Exit 2 on invalid input.")
		fs.PrintDefaults()
	}
	file, rest := splitFile(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{"analyse needs a FILE"}
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: want text or json", *format)}
	}
	if *lang != "en" && *lang != "nb" {
		return usageError{fmt.Sprintf("--lang %q: want en or nb", *lang)}
	}
	doc, bundle, err := readOffline(file)
	if err != nil {
		return err
	}
	cfg := gaps.DefaultConfig()
	var out []analysedGap
	if doc != nil {
		if doc.Focus.Kind != stakeholder.FocusCitizen {
			return usageError{fmt.Sprintf("%s: a %s map has no citizen rules; analyse a region bundle", file, doc.Focus.Kind)}
		}
		found, err := gaps.Citizen(doc, cfg)
		if err != nil {
			return fmt.Errorf("analyse: %w", err)
		}
		for _, g := range found {
			out = append(out, analysedGap{OutputGap: g.Output(*lang)})
		}
	} else {
		for i := range bundle.Maps {
			found, err := gaps.Citizen(&bundle.Maps[i], cfg)
			if err != nil {
				return fmt.Errorf("analyse map %s: %w", bundle.Maps[i].ID, err)
			}
			for _, g := range found {
				out = append(out, analysedGap{OutputGap: g.Output(*lang), Map: bundle.Maps[i].ID})
			}
		}
		fmt.Fprintln(stderr, "samspill: note: the system-wide rules S1–S10 are not evaluated yet; the citizen rules are")
	}
	if out == nil {
		out = []analysedGap{}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"gaps": out})
	}
	if len(out) == 0 {
		_, err := fmt.Fprintln(stdout, "No coordination gaps found.")
		return err
	}
	for i, g := range out {
		where := ""
		if g.Map != "" {
			where = " map " + g.Map
		}
		fmt.Fprintf(stdout, "%d. %s [%s]%s: %s\n   %s\n   → %s\n", i+1, g.Rule, g.Severity, where, strings.Join(g.Actors, ", "), g.Explanation, g.Next)
	}
	return nil
}
