package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/samspill/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 1, "seed of the generator: the same seed gives the same region")
	citizens := fs.Int("citizens", 240, "number of citizen maps (at least 200)")
	today := fs.String("today", "", "the demo's today, YYYY-MM-DD (default: today)")
	natsURL := fs.String("nats", "", "send the commands to a running Samspill at this NATS URL instead of printing them")
	if err := parse(fs, args); err != nil {
		return err
	}
	t := date.Of(time.Now())
	if *today != "" {
		var err error
		if t, err = date.Parse(*today); err != nil {
			return usageError{fmt.Sprintf("--today: %v", err)}
		}
	}
	ds, err := demo.Generate(demo.Options{Seed: *seed, Today: t, Citizens: *citizens})
	if err != nil {
		return usageError{err.Error()}
	}
	if *natsURL == "" {
		return demo.WriteJSONLines(stdout, ds)
	}
	nc, err := nats.Connect(*natsURL, nats.Name("samspill-demo"))
	if err != nil {
		return fmt.Errorf("connect %s: %w", *natsURL, err)
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
