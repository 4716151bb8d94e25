// Command samspill is the Samspill binary: `samspill up` runs every service
// in one process on an embedded JetStream server; `samspill demo` prints
// the deterministic demo region as commands; the offline commands (metrics,
// analyse, render) read map documents; the server commands (map, actor,
// relation, coordinator, plan, participation, consent, directory, command,
// import, export) talk to a running Samspill. Run `samspill --help`;
// docs/cli.md documents every command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/draw"
)

// Exit codes (docs/cli.md, "Exit status").
const (
	exitOK       = 0 // success
	exitFailure  = 1 // failure: a file that cannot be read, a server that cannot be reached or fails
	exitUsage    = 2 // wrong usage or invalid input (the server's 400 and 422 too)
	exitNotFound = 3 // the server has no such map, actor, entry… (404), or it is erased or closed (410)
	exitConflict = 4 // the server refused a conflicting command (409): the map moved on, the fact exists
	exitDenied   = 5 // not signed in (401: no or a bad --token) or not allowed (403: not your map, not your role)
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == drawWorkerArg {
		// `samspill up` starts itself this way to run Graphviz.
		if err := draw.ServeWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "draw worker:", err)
			os.Exit(exitFailure)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks wrong usage or invalid input (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commandError marks an error returned by a command's own work, as
// opposed to one cobra returns for the command line itself (an unknown
// command or flag, a missing argument, a bad flag value), which is wrong
// usage.
type commandError struct{ err error }

func (e commandError) Error() string { return e.err.Error() }
func (e commandError) Unwrap() error { return e.err }

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(longFlags(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var pe *problemError
	switch {
	case errors.As(err, &pe):
		// The server's refusal: no help text, it is about the data.
		fmt.Fprintf(stderr, "samspill: %v\n", err)
	case code == exitUsage:
		fmt.Fprintf(stderr, "samspill: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
	default:
		fmt.Fprintf(stderr, "samspill: %v\n", err)
	}
	return code
}

// exitCode is the exit status of an error that ended a command.
func exitCode(err error) int {
	var ue usageError
	var pe *problemError
	var ce commandError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &pe):
		return pe.exitCode()
	case errors.As(err, &ce):
		return exitFailure
	default:
		// cobra's own: unknown command or flag, bad flag value, missing
		// required flag.
		return exitUsage
	}
}

// runE marks the errors of f as the command's own (see commandError).
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := f(cmd, args); err != nil {
			return commandError{err}
		}
		return nil
	}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"
