// Command samspill is the Samspill binary: `samspill up` runs every service
// in one process on an embedded JetStream server; `samspill demo` prints
// the deterministic demo region as commands. Run `samspill help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/samspill/samspill/pkg/draw"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
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

// usageError marks wrong usage (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `samspill — actor mapping and collaboration-network analysis

Usage:
  samspill up      [flags]   run every service on an embedded JetStream server
  samspill demo    [flags]   print the demo region as JSON-lines commands, or load it
  samspill import  FILE      import a map document or region bundle into a running Samspill
  samspill export  [flags]   export a map (--map ID) or a municipality (--municipality N)
  samspill metrics FILE      network measures of a map document or bundle (offline)
  samspill analyse FILE      coordination gaps of a map document or bundle (offline)
  samspill render  FILE      draw a map document or bundle as DOT, SVG, PNG or PDF (offline)
  samspill version           print the version
  samspill help              this text

Run 'samspill <command> -h' for the flags of a command.
Exit status: 0 success, 1 failure, 2 wrong usage or invalid input.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "up":
		err = cmdUp(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "import":
		err = cmdImport(ctx, args[1:], stdout, stderr)
	case "export":
		err = cmdExport(ctx, args[1:], stdout, stderr)
	case "metrics":
		err = cmdMetrics(args[1:], stdout, stderr)
	case "analyse", "analyze":
		err = cmdAnalyse(args[1:], stdout, stderr)
	case "render":
		err = cmdRender(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "samspill", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "samspill: %s\n\n%s", ue.msg, usage)
		return exitUsage
	case errors.Is(err, errHelp):
		return exitOK
	default:
		fmt.Fprintf(stderr, "samspill: %v\n", err)
		return exitFailure
	}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"
