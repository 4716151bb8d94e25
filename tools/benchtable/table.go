package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status of a row against its target.
const (
	Met         = "met"
	NotMet      = "not met"
	NoTarget    = "no target"
	NotMeasured = "not measured"
)

// Row is one line of the table.
type Row struct {
	What   string   `json:"what"`
	Figure string   `json:"figure"`
	Value  *float64 `json:"value,omitempty"` // the figure, in Unit
	Unit   string   `json:"unit,omitempty"`
	Anchor string   `json:"anchor"`
	Ratio  *float64 `json:"ratio,omitempty"`
	Target string   `json:"target"`
	Status string   `json:"status"`
	Note   string   `json:"note,omitempty"`
	Source string   `json:"source"`
}

// Table is the whole report.
type Table struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Rows    []Row  `json:"rows"`
}

func ptr(v float64) *float64 { return &v }

// check returns Met or NotMet.
func check(ok bool) string {
	if ok {
		return Met
	}
	return NotMet
}

// missing is a row whose figure could not be measured.
func missing(what, target, source, why string) Row {
	return Row{What: what, Figure: "—", Anchor: "—", Target: target, Status: NotMeasured, Note: why, Source: source}
}

// WriteJSON writes t as indented JSON.
func (t Table) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// WriteMarkdown writes t as a Markdown table, notes below it.
func (t Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "`make bench` of %s on %s.\n\n", t.Date, t.Machine)
	b.WriteString("| what | figure | anchor (same run) | ratio | target | |\n| --- | ---: | ---: | ---: | --- | --- |\n")
	var notes []string
	for _, r := range t.Rows {
		ratio := "—"
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *r.Ratio)
		}
		status := r.Status
		switch status {
		case Met:
			status = "**met**"
		case NotMet:
			status = "**not met**"
		}
		what := cell(r.What)
		if r.Note != "" {
			notes = append(notes, r.Note)
			what += fmt.Sprintf(" [%d]", len(notes))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", what, cell(r.Figure), cell(r.Anchor), ratio, cell(r.Target), status)
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, n)
		}
	}
	b.WriteString("\nSources: ")
	for i, r := range t.Rows {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: `%s`", r.What, r.Source)
	}
	b.WriteString(".\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// rate formats events a second.
func rate(v float64) string { return group(v) + " ev/s" }

// group formats v with thousands separators, no decimals.
func group(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// dur formats nanoseconds for people.
func dur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	default:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
}
