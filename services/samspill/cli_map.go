package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
)

// The answers are the services' own types (graph.MapSummary, MapAnswer,
// HistoryAnswer; gap.Answer), so the command line reads what they write.

func cmdMap(stdout, stderr io.Writer) *cobra.Command {
	g := group("map", "open, list, show, close or erase maps; their gaps, history and picture",
		"Works with the maps of a running Samspill: open one, list them, show one as it\n"+
			"was on a date, its open coordination gaps, its history and its picture; close\n"+
			"or erase it.", stderr)
	o := &serverOptions{}
	addServerFlags(g, o)
	for _, s := range mapCommandSpecs() {
		g.AddCommand(newSpecCommand(s, o, stdout))
	}
	g.AddCommand(cmdMapList(o, stdout), cmdMapShow(o, stdout), cmdMapGaps(o, stdout),
		cmdMapHistory(o, stdout), cmdMapPicture(o, stdout))
	return g
}

func cmdMapList(o *serverOptions, stdout io.Writer) *cobra.Command {
	var municipality string
	cmd := &cobra.Command{
		Use:   "list [--municipality N]",
		Short: "list maps",
		Long: "Lists the maps you may see (GET /v1/maps): id, focus, municipality, version,\n" +
			"state, the date it was opened and when it last changed. A coordinator sees the\n" +
			"maps assigned to them, with their labels; an administrator every map, without\n" +
			"labels.",
		Example: "  samspill map list --municipality 3203",
		Args:    noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if municipality != "" {
				q.Set("municipality", municipality)
			}
			var maps []graph.MapSummary
			if text, err := o.read(cmd.Context(), stdout, "/v1/maps", q, &maps); !text {
				return err
			}
			if len(maps) == 0 {
				_, err := fmt.Fprintln(stdout, "No maps.")
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "MAP\tFOCUS\tMUNICIPALITY\tVERSION\tSTATE\tOPENED\tUPDATED\tLABEL")
			for _, m := range maps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", m.MapID, m.Focus, dash(m.Municipality), m.Version,
					state(m.Closed, m.Erased), dash(dateText(m.Opened)), dash(timeText(m.UpdatedAt)), dash(m.Label))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&municipality, "municipality", "", "only the maps of this municipality `number`")
	return cmd
}

// dateText is a date as YYYY-MM-DD, or empty for none.
func dateText(d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// timeText is a record time in RFC 3339 (UTC), or empty for none.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func state(closed, erased bool) string {
	switch {
	case erased:
		return "erased"
	case closed:
		return "closed"
	}
	return "open"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// timeQuery sets at and knownAt when given.
func timeQuery(at date.Date, knownAt time.Time) url.Values {
	q := url.Values{}
	if !at.IsZero() {
		q.Set("at", at.String())
	}
	if !knownAt.IsZero() {
		q.Set("knownAt", knownAt.Format(time.RFC3339Nano))
	}
	return q
}

func cmdMapShow(o *serverOptions, stdout io.Writer) *cobra.Command {
	var at date.Date
	var knownAt time.Time
	cmd := &cobra.Command{
		Use:   "show MAP [--at DATE] [--known-at TIME]",
		Short: "show a map as it was on a date",
		Long: "Shows a map (GET /v1/maps/{id}) as it was on --at (default today) as known at\n" +
			"--known-at (default now): its actors, relations, coordinator, plan and the\n" +
			"person's participation. The output holds personal data.",
		Args:              positional("MAP"),
		ValidArgsFunction: completeMaps(o),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var ans graph.MapAnswer
			if text, err := o.read(cmd.Context(), stdout, "/v1/maps/"+url.PathEscape(args[0]), timeQuery(at, knownAt), &ans); !text {
				return err
			}
			if ans.Document == nil {
				return fmt.Errorf("GET /v1/maps/%s: not a map answer", args[0])
			}
			return printMap(stdout, ans)
		}),
	}
	cmd.Flags().Var(dateValue{&at}, "at", "the date the map shows (default today)")
	cmd.Flags().Var(instantValue{&knownAt}, "known-at", "as known at this moment (RFC 3339 or a date: the end of that day)")
	return cmd
}

// printMap writes a map for people.
func printMap(w io.Writer, ans graph.MapAnswer) error {
	d := ans.Document
	where := d.Focus.Municipality
	if where == "" {
		where = d.Focus.Region
	}
	fmt.Fprintf(w, "Map %s: %s %q, %s, as of %s, version %d", d.ID, d.Focus.Kind, d.Focus.Label, where, d.AsOf, ans.Version)
	if ans.Erased {
		fmt.Fprint(w, " (erased)")
	}
	fmt.Fprintln(w)
	names := map[string]string{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nActors (%d)\n", len(d.Actors))
	fmt.Fprintln(tw, "ID\tKIND\tLEVEL\tSECTOR\tNAME\tIMPORTANCE\tINFLUENCE")
	for _, a := range d.Actors {
		names[a.ID] = a.Name
		imp, inf := "-", "-"
		if a.Assessment != nil {
			imp, inf = dash(string(a.Assessment.Importance)), dash(string(a.Assessment.Influence))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Kind, a.Level, a.Sector, a.Name, imp, inf)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(tw, "\nRelations (%d)\n", len(d.Relations))
	if len(d.Relations) > 0 {
		fmt.Fprintln(tw, "ID\tFROM\tTYPE\tTO\tQUALITY\tFROM DATE\tTO DATE\tLAST CONTACT")
	}
	for _, r := range d.Relations {
		last := r.ValidFrom
		for _, c := range r.Contacts {
			if c.After(last) {
				last = c
			}
		}
		to := "-"
		if !r.ValidTo.IsZero() {
			to = r.ValidTo.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, nameOr(names, r.From), r.Type, nameOr(names, r.To),
			dash(string(r.Quality)), r.ValidFrom, to, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := d.Coordinator; c != nil {
		fmt.Fprintf(w, "\nCoordinator: %s%s%s%s\n", nameOr(names, c.Actor), dated(" offered", c.Offered), dated(" assigned", c.Assigned), dated(" declined", c.Declined))
	}
	if p := d.Plan; p != nil {
		fmt.Fprintf(w, "Plan: %s, forum %s%s%s%s\n", p.Status, nameOr(names, p.Actor), dated(" created", p.Created), dated(" last review", p.LastReview), dated(" declined", p.Declined))
	}
	if n := len(d.Participation); n > 0 {
		last := d.Participation[n-1]
		fmt.Fprintf(w, "Participation: level %d on %s\n", last.Level, last.Date)
	}
	for _, c := range d.Consent {
		fmt.Fprintf(w, "Consent of %s: %s%s\n", nameOr(names, c.Actor), c.Status, dated(" on", c.Date))
	}
	return nil
}

func nameOr(names map[string]string, id string) string {
	if id == "" {
		return "-"
	}
	if n := names[id]; n != "" {
		return n
	}
	return id
}

func dated(label string, d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return label + " " + d.String()
}

func cmdMapGaps(o *serverOptions, stdout io.Writer) *cobra.Command {
	var lang string
	cmd := &cobra.Command{
		Use:   "gaps MAP [--lang en|nb]",
		Short: "the map's open coordination gaps",
		Long: "Lists the map's open coordination gaps (GET /v1/maps/{id}/gaps), each with its\n" +
			"rule (docs/gaps.md), severity, explanation and a suggested next step.",
		Args:              positional("MAP"),
		ValidArgsFunction: completeMaps(o),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var ans gap.Answer
			if text, err := o.read(cmd.Context(), stdout, "/v1/maps/"+url.PathEscape(args[0])+"/gaps", url.Values{"lang": {lang}}, &ans); !text {
				return err
			}
			if len(ans.Gaps) == 0 {
				_, err := fmt.Fprintln(stdout, "No open coordination gaps.")
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			names := actorNames(cmd.Context(), c, args[0])
			for i, g := range ans.Gaps {
				actors := make([]string, len(g.Actors))
				for j, a := range g.Actors {
					actors[j] = nameOr(names, a)
				}
				fmt.Fprintf(stdout, "%d. %s [%s] since %s: %s\n   %s\n   → %s\n", i+1, g.Rule, g.Severity, g.OpenedOn, strings.Join(actors, ", "), g.Explanation, g.Next)
			}
			return nil
		}),
	}
	choiceFlag(cmd, cmd.Flags(), &lang, "lang", "en", []string{"en", "nb"}, "language of explanations and next steps")
	return cmd
}

// actorNames are the names of a map's actors by id, for people to read
// gaps by; none when the map cannot be read (the ids are shown then).
func actorNames(ctx context.Context, c *client, mapID string) map[string]string {
	var ans graph.MapAnswer
	names := map[string]string{}
	// Machine ids: the ids gaps name actors by (an imported map's document
	// ids differ).
	if err := c.getJSON(ctx, "/v1/maps/"+url.PathEscape(mapID), url.Values{"ids": {"machine"}}, &ans); err != nil || ans.Document == nil {
		return names
	}
	for _, a := range ans.Document.Actors {
		names[a.ID] = a.Name
	}
	return names
}

func cmdMapHistory(o *serverOptions, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history MAP",
		Short: "the map's events: versions, types and times",
		Long: "Lists the map's events (GET /v1/maps/{id}/history): version, event type, valid\n" +
			"time and record time, and the distinct valid dates (for 'map show --at').\n" +
			"No personal data.",
		Args:              positional("MAP"),
		ValidArgsFunction: completeMaps(o),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var ans graph.HistoryAnswer
			if text, err := o.read(cmd.Context(), stdout, "/v1/maps/"+url.PathEscape(args[0])+"/history", nil, &ans); !text {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tEVENT\tVALID\tRECORDED")
			for _, e := range ans.Events {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", e.Version, e.Type, dateText(e.ValidTime), timeText(e.RecordedAt))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			dates := make([]string, len(ans.Dates))
			for i, d := range ans.Dates {
				dates[i] = d.String()
			}
			_, err := fmt.Fprintf(stdout, "Dates: %s\n", strings.Join(dates, " "))
			return err
		}),
	}
	return cmd
}

func cmdMapPicture(o *serverOptions, stdout io.Writer) *cobra.Command {
	var format, out, lang string
	var at date.Date
	var knownAt time.Time
	cmd := &cobra.Command{
		Use:   "picture MAP [--format svg|png|pdf|dot] -o FILE",
		Short: "draw the map's picture",
		Long: "Draws the person's map with its open gaps (GET /v1/maps/{id}/picture.FORMAT),\n" +
			"as it was on --at. The picture holds personal data: files are written with\n" +
			"mode 0600. svg and dot may go to standard output (no -o, or -o -); png and pdf\n" +
			"need -o FILE (or -o - into a pipe).",
		Example:           "  samspill map picture MAP --format pdf -o ola.pdf --lang nb",
		Args:              positional("MAP"),
		ValidArgsFunction: completeMaps(o),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			f, err := draw.ParseFormat(format)
			if err != nil {
				return usageError{fmt.Sprintf("--format %q: want svg, png, pdf or dot", format)}
			}
			toStdout, err := binaryOut(f, out, stdout)
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			q := timeQuery(at, knownAt)
			q.Set("lang", lang)
			pic, err := c.get(cmd.Context(), "/v1/maps/"+url.PathEscape(args[0])+"/picture."+string(f), q)
			if err != nil {
				return err
			}
			if toStdout {
				_, err := stdout.Write(pic)
				return err
			}
			if err := writePrivate(out, pic); err != nil {
				return err
			}
			if o.output == "json" {
				return printJSON(stdout, nil, map[string]any{"file": out, "format": f, "bytes": len(pic)})
			}
			_, err = fmt.Fprintf(stdout, "Wrote %s (%s, %s bytes).\n", out, f, strconv.Itoa(len(pic)))
			return err
		}),
	}
	fs := cmd.Flags()
	choiceFlag(cmd, fs, &format, "format", "svg", []string{"svg", "png", "pdf", "dot"}, "the picture's format")
	fs.StringVarP(&out, "out", "o", "", "write to this `FILE` (mode 0600); none or - writes to standard output")
	_ = cmd.MarkFlagFilename("out", "svg", "png", "pdf", "dot")
	choiceFlag(cmd, fs, &lang, "lang", "en", []string{"en", "nb"}, "language of the texts")
	fs.Var(dateValue{&at}, "at", "the date the picture shows (default today)")
	fs.Var(instantValue{&knownAt}, "known-at", "as known at this moment (RFC 3339 or a date)")
	return cmd
}

// binaryOut decides where a picture goes: standard output, or the file
// out; a binary format to a terminal, or without -o, is wrong usage.
func binaryOut(f draw.Format, out string, stdout io.Writer) (bool, error) {
	toStdout := out == "" || out == "-"
	if f.Binary() && toStdout {
		if out == "" {
			return false, usageError{fmt.Sprintf("--format %s writes a binary file: name it with -o OUT (or -o - to pipe it)", f)}
		}
		if isTerminal(stdout) {
			return false, usageError{fmt.Sprintf("--format %s -o -: standard output is a terminal; name a file with -o OUT", f)}
		}
	}
	return toStdout, nil
}

// completeMaps completes a MAP argument from the server's list of maps
// (the first argument only; nothing when the server cannot be reached).
func completeMaps(o *serverOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := o.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		var maps []graph.MapSummary
		if err := c.getJSON(ctx, "/v1/maps", nil, &maps); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		out := make([]cobra.Completion, 0, len(maps))
		for _, m := range maps {
			out = append(out, cobra.CompletionWithDesc(m.MapID, string(m.Focus)+" "+m.Municipality+" "+state(m.Closed, m.Erased)))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func cmdDirectory(stdout, stderr io.Writer) *cobra.Command {
	g := group("directory", "search, register, update or retire directory entries", "", stderr)
	o := &serverOptions{}
	addServerFlags(g, o)
	var municipality, sector string
	var limit int
	search := &cobra.Command{
		Use:   "search Q [--municipality N] [--sector S] [--limit N]",
		Short: "find organisations and services by name",
		Long: "Searches the directory's active entries (GET /v1/directory): words of their\n" +
			"names starting with the words of Q, case-insensitive.",
		Example: "  samspill directory search 'nav gr' --municipality 0301",
		Args:    positional("Q"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			q := url.Values{"q": {args[0]}}
			if municipality != "" {
				q.Set("municipality", municipality)
			}
			if sector != "" {
				q.Set("sector", sector)
			}
			if cmd.Flags().Changed("limit") {
				q.Set("limit", strconv.Itoa(limit))
			}
			var ans struct {
				Entries []struct {
					EntryID, Name, Kind, Sector, Municipality, Parent string
				} `json:"entries"`
			}
			if text, err := o.read(cmd.Context(), stdout, "/v1/directory", q, &ans); !text {
				return err
			}
			if len(ans.Entries) == 0 {
				_, err := fmt.Fprintln(stdout, "No entries.")
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ENTRY\tNAME\tKIND\tSECTOR\tMUNICIPALITY\tPARENT")
			for _, e := range ans.Entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.EntryID, e.Name, e.Kind, e.Sector, e.Municipality, dash(e.Parent))
			}
			return tw.Flush()
		}),
	}
	search.Flags().StringVar(&municipality, "municipality", "", "only entries of this municipality `number`")
	choiceFlag(search, search.Flags(), &sector, "sector", "", sectorValues(), "only entries of this sector")
	search.Flags().Var(rangeInt{p: &limit, lo: 1, hi: 100}, "limit", "at most this many entries (default 20)")
	g.AddCommand(search)
	for _, s := range directorySpecs() {
		g.AddCommand(newSpecCommand(s, o, stdout))
	}
	return g
}
