package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/samspill/samspill/pkg/date"
)

const rootLong = `samspill — actor mapping and collaboration-network analysis

Run everything on this machine with 'samspill up'; the server commands (map,
actor, relation, coordinator, plan, participation, consent, directory, command,
import, export, token, audit, load) then talk to it over HTTP (--server,
default $SAMSPILL_SERVER or http://127.0.0.1:8080), signed in with --token. The offline commands (metrics, analyse, render) read a
map document or region bundle and need no server.

Exit status: 0 success, 1 failure, 2 wrong usage or invalid input, 3 not found
(or erased or closed), 4 conflict, 5 not signed in or not allowed. docs/cli.md
documents every command.`

const rootExample = `  samspill up --demo-seed 1
  samspill map open --label "Ola N." --municipality 3203
  samspill map list --municipality 3203
  samspill map gaps MAP --lang nb
  samspill analyse map.json
  samspill completion bash > /etc/bash_completion.d/samspill`

// Command groups in the help text.
const (
	groupRun     = "run"
	groupServer  = "server"
	groupOffline = "offline"
)

// newRoot builds the whole command tree, writing to stdout and stderr.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "samspill",
		Short:         "actor mapping and collaboration-network analysis",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Arguments are refused before this (unknown command).
			cmd.SetOut(stderr)
			_ = cmd.Help()
			return usageError{"a command is needed"}
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.AddGroup(
		&cobra.Group{ID: groupRun, Title: "Run Samspill:"},
		&cobra.Group{ID: groupServer, Title: "Work with a running Samspill:"},
		&cobra.Group{ID: groupOffline, Title: "Offline (files only, no server):"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add(groupRun, cmdUp(stdout, stderr), cmdDemo(stdout), cmdVersion(stdout))
	add(groupServer, cmdMap(stdout, stderr), cmdActor(stdout, stderr), cmdRelation(stdout, stderr),
		cmdCoordinator(stdout, stderr), cmdPlan(stdout, stderr), cmdParticipation(stdout, stderr),
		cmdConsent(stdout, stderr), cmdDirectory(stdout, stderr), cmdCommand(stdout), cmdToken(stdout, stderr), cmdAudit(stdout),
		cmdImport(stdout, stderr), cmdExport(stdout), cmdLoad(stdout, stderr))
	add(groupOffline, cmdMetrics(stdout), cmdAnalyse(stdout), cmdRender(stdout))
	root.SetHelpCommandGroupID(groupRun)
	root.SetCompletionCommandGroupID(groupRun)
	return root
}

func cmdVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  noArgs,
		RunE: runE(func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, "samspill", version)
			return err
		}),
	}
}

// longFlags rewrites the single-dash long flags the Go flag package
// accepted (-format json, -nats=URL) as double-dash ones, so that
// command lines written for the earlier samspill keep working. Only the
// names of flags some command defines are rewritten, up to a "--".
func longFlags(root *cobra.Command, args []string) []string {
	names := map[string]bool{"help": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := slices.Clone(args)
	for i, a := range out {
		if a == "--" {
			break
		}
		if len(a) < 3 || a[0] != '-' || a[1] == '-' {
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if len(name) > 1 && names[name] {
			out[i] = "-" + a
		}
	}
	return out
}

// noArgs refuses positional arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", args[0])}
	}
	return nil
}

// positional wants exactly the named arguments (FILE, MAP, ACTOR…).
func positional(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return usageError{fmt.Sprintf("%s needs %s", cmd.CommandPath()[len("samspill "):], strings.Join(names[len(args):], " and "))}
		}
		if len(args) > len(names) {
			return usageError{fmt.Sprintf("unexpected argument %q", args[len(names)])}
		}
		return nil
	}
}

// choice is a string flag with a fixed set of values; a value outside it
// is wrong usage naming the flag and the values.
type choice struct {
	p       *string
	allowed []string
}

func (c *choice) String() string { return *c.p }
func (c *choice) Type() string   { return strings.Join(c.allowed, "|") }
func (c *choice) Set(s string) error {
	if !slices.Contains(c.allowed, s) {
		return fmt.Errorf("want %s", orList(c.allowed))
	}
	*c.p = s
	return nil
}

// choiceFlag defines a choice flag on cmd with value completion.
func choiceFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, def string, allowed []string, usage string) {
	*p = def
	fs.Var(&choice{p: p, allowed: allowed}, name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// dateValue is a YYYY-MM-DD flag.
type dateValue struct{ d *date.Date }

func (v dateValue) String() string {
	if v.d.IsZero() {
		return ""
	}
	return v.d.String()
}
func (v dateValue) Type() string { return "YYYY-MM-DD" }
func (v dateValue) Set(s string) error {
	d, err := date.Parse(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// instantValue is an RFC 3339 flag that also takes a date, meaning the
// end of that day.
type instantValue struct{ t *time.Time }

func (v instantValue) String() string {
	if v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}
func (v instantValue) Type() string { return "TIME" }
func (v instantValue) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := date.Parse(s)
		if derr != nil {
			return fmt.Errorf("want RFC 3339 or a date: %v", err)
		}
		t = d.Time().Add(24*time.Hour - time.Nanosecond)
	}
	*v.t = t
	return nil
}

// rangeInt is an int flag within [lo, hi].
type rangeInt struct {
	p      *int
	lo, hi int
}

func (v rangeInt) String() string { return strconv.Itoa(*v.p) }
func (v rangeInt) Type() string   { return fmt.Sprintf("%d-%d", v.lo, v.hi) }
func (v rangeInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.lo || n > v.hi {
		return fmt.Errorf("want a whole number from %d to %d", v.lo, v.hi)
	}
	*v.p = n
	return nil
}

// fileCompletion completes a command's one file argument with the given
// extensions.
func fileCompletion(exts ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}

// group is a command that only holds subcommands: run alone it prints its
// help and is wrong usage, as is an unknown subcommand.
func group(use, short, long string, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())}
			}
			cmd.SetOut(stderr)
			_ = cmd.Help()
			return usageError{fmt.Sprintf("%s needs a subcommand", cmd.CommandPath())}
		},
	}
}
