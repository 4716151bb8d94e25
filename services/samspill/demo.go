package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/samspill/demo"
)

func cmdDemo(stdout io.Writer) *cobra.Command {
	var seed int64
	var citizens int
	var today date.Date
	var natsURL string
	cmd := &cobra.Command{
		Use:   "demo [--seed N] [--citizens N] [--today DATE] [--nats URL]",
		Short: "print the demo region as JSON-lines commands, or load it",
		Long: "Generates a deterministic demo region (the same seed gives the same region):\n" +
			"the directory and at least 200 citizen maps, as JSON lines of commands on\n" +
			"standard output, or sent to a running Samspill over NATS with --nats.",
		Example: "  samspill demo --seed 7 --today 2026-11-01 > demo.jsonl\n  samspill demo --nats nats://127.0.0.1:4222",
		Args:    noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), stdout, seed, citizens, today, natsURL)
		}),
	}
	fs := cmd.Flags()
	fs.Int64Var(&seed, "seed", 1, "seed of the generator: the same seed gives the same region")
	fs.IntVar(&citizens, "citizens", 240, "number of citizen maps (at least 200)")
	fs.Var(dateValue{&today}, "today", "the demo's today (default: today)")
	fs.StringVar(&natsURL, "nats", "", "send the commands to a running Samspill at this NATS URL instead of printing them")
	_ = cmd.RegisterFlagCompletionFunc("nats", cobra.NoFileCompletions)
	return cmd
}

func runDemo(ctx context.Context, stdout io.Writer, seed int64, citizens int, t date.Date, natsURL string) error {
	if t.IsZero() {
		t = date.Of(time.Now())
	}
	ds, err := demo.Generate(demo.Options{Seed: seed, Today: t, Citizens: citizens})
	if err != nil {
		return usageError{err.Error()}
	}
	if natsURL == "" {
		return demo.WriteJSONLines(stdout, ds)
	}
	nc, err := nats.Connect(natsURL, nats.Name("samspill-demo"))
	if err != nil {
		return fmt.Errorf("connect %s: %w", natsURL, err)
	}
	defer nc.Close()
	p := newProgress(stdout, "sending demo", len(ds.Commands))
	for i, c := range ds.Commands {
		body, err := json.Marshal(c)
		if err != nil {
			return err
		}
		msg := nats.NewMsg(command.SubjectPrefix + "." + string(c.CommandName()))
		msg.Data = body
		msg.Header.Set(command.HeaderPrincipal, "demo-loader")
		reply, err := nc.RequestMsgWithContext(ctx, msg)
		if err != nil {
			return fmt.Errorf("command %d (%s): %w", i, c.CommandName(), err)
		}
		if code := reply.Header.Get("Nats-Service-Error-Code"); code != "" {
			return fmt.Errorf("command %d (%s) refused (%s): %s", i, c.CommandName(), code, reply.Header.Get("Nats-Service-Error"))
		}
		p.set(i + 1)
	}
	p.done()
	return nil
}
