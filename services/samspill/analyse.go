package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// analysedGap is a gap in the analyse output; Map is set for bundles.
type analysedGap struct {
	gaps.OutputGap
	Map string `json:"map,omitempty"`
}

func cmdAnalyse(stdout io.Writer) *cobra.Command {
	var format, lang, configFile string
	cmd := &cobra.Command{
		Use:     "analyse FILE [--format text|json] [--lang en|nb] [--config THRESHOLDS.json]",
		Aliases: []string{"analyze"},
		Short:   "coordination gaps of a map document or bundle",
		Long: "Prints the coordination gaps of a map document (rules P1–P14 at its asOf), or of a\n" +
			"region bundle: the citizen rules on every citizen map and the system-wide rules\n" +
			"S1–S10 on its organisations. No server needed. Exit 2 on invalid input.",
		Example:           "  samspill analyse map.json --lang nb\n  samspill analyse bundle.json --format json --config thresholds.json",
		Args:              positional("a FILE"),
		ValidArgsFunction: fileCompletion("json"),
		RunE: runE(func(_ *cobra.Command, args []string) error {
			return analyse(stdout, args[0], format, lang, configFile)
		}),
	}
	fs := cmd.Flags()
	choiceFlag(cmd, fs, &format, "format", "text", []string{"text", "json"}, "what to print")
	choiceFlag(cmd, fs, &lang, "lang", "en", []string{"en", "nb"}, "language of explanations and next steps")
	fs.StringVar(&configFile, "config", "", "JSON `file` of thresholds overriding the defaults (see docs/gaps.md, \"Thresholds\")")
	_ = cmd.MarkFlagFilename("config", "json")
	return cmd
}

func analyse(stdout io.Writer, file, format, lang, configFile string) error {
	cfg, err := readThresholds(configFile)
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
			out = append(out, analysedGap{OutputGap: g.Output(lang)})
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
				out = append(out, analysedGap{OutputGap: g.Output(lang), Map: m.Map})
			}
		}
		for _, g := range res.Gaps {
			out = append(out, analysedGap{OutputGap: g.Output(lang)})
		}
	}
	if out == nil {
		out = []analysedGap{}
	}
	if format == "json" {
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
