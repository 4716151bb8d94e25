package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
	configFile := fs.String("config", "", "JSON file of thresholds overriding the defaults (see docs/gaps.md, \"Thresholds\")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: samspill analyse FILE [--format text|json] [--lang en|nb] [--config THRESHOLDS.json]\n\nPrints the coordination gaps of a map document (rules P1–P14 at its asOf), or of a\nregion bundle: the citizen rules on every citizen map and the system-wide rules\nS1–S10 on its organisations. No server needed. Exit 2 on invalid input.")
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
	cfg, err := readThresholds(*configFile)
	if err != nil {
		return err
	}
	doc, bundle, err := readOffline(file)
	if err != nil {
		return err
	}
	var out []analysedGap
	if doc != nil {
		if doc.Focus.Kind != stakeholder.FocusCitizen {
			return usageError{fmt.Sprintf("%s: a %s map has no citizen rules; analyse a region bundle", file, doc.Focus.Kind)}
		}
		found, err := gaps.Citizen(doc, cfg.Citizen)
		if err != nil {
			return fmt.Errorf("analyse: %w", err)
		}
		for _, g := range found {
			out = append(out, analysedGap{OutputGap: g.Output(*lang)})
		}
	} else {
		res, err := gaps.System(bundle, cfg)
		if err != nil {
			if errors.Is(err, gaps.ErrNotCitizenMap) {
				return usageError{fmt.Sprintf("%s: %v", file, err)}
			}
			return fmt.Errorf("analyse: %w", err)
		}
		for _, m := range res.Citizen {
			for _, g := range m.Gaps {
				out = append(out, analysedGap{OutputGap: g.Output(*lang), Map: m.Map})
			}
		}
		for _, g := range res.Gaps {
			out = append(out, analysedGap{OutputGap: g.Output(*lang)})
		}
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

// readThresholds reads a JSON object of thresholds over the defaults:
// the fields of gaps.SystemConfig, with the citizen rules' under
// "Citizen". An unknown field or an invalid value is a usage error.
func readThresholds(file string) (gaps.SystemConfig, error) {
	cfg := gaps.DefaultSystemConfig()
	if file == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return cfg, fmt.Errorf("--config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, usageError{fmt.Sprintf("--config %s: %v", file, err)}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError{fmt.Sprintf("--config %s: %v", file, err)}
	}
	return cfg, nil
}
