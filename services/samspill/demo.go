package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/samspill/demo"
)

func cmdDemo(stdout io.Writer) *cobra.Command {
	var seed int64
	var citizens int
	var today date.Date
	var natsURL, token, adminToken string
	cmd := &cobra.Command{
		Use:   "demo [--seed N] [--citizens N] [--today DATE] [--nats URL --token T --admin-token T]",
		Short: "print the demo region as JSON-lines commands, or load it",
		Long: "Generates a deterministic demo region (the same seed gives the same region):\n" +
			"the directory and at least 200 citizen maps, as JSON lines of commands on\n" +
			"standard output, or sent to a running Samspill over NATS with --nats: the\n" +
			"directory as the administrator of --admin-token, the maps as the coordinator\n" +
			"of --token (who is then assigned to all of them).",
		Example: "  samspill demo --seed 7 --today 2026-11-01 > demo.jsonl\n" +
			"  samspill demo --nats nats://127.0.0.1:4222 --admin-token \"$(cat data/admin.token)\" --token \"$COORDINATOR_TOKEN\"",
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if natsURL != "" && (token == "" || adminToken == "") {
				return usageError{"--nats needs --token (a coordinator's, for the maps) and --admin-token (for the directory)"}
			}
			return runDemo(cmd.Context(), stdout, seed, citizens, today, natsURL, token, adminToken)
		}),
	}
	fs := cmd.Flags()
	fs.Int64Var(&seed, "seed", 1, "seed of the generator: the same seed gives the same region")
	fs.IntVar(&citizens, "citizens", 240, "number of citizen maps (at least 200)")
	fs.Var(dateValue{&today}, "today", "the demo's today (default: today)")
	fs.StringVar(&natsURL, "nats", "", "send the commands to a running Samspill at this NATS URL instead of printing them")
	fs.StringVar(&token, "token", "", "with --nats: a coordinator's API `TOKEN`; the maps are opened in their name")
	fs.StringVar(&adminToken, "admin-token", "", "with --nats: an administrator's API `TOKEN`, for the directory")
	_ = cmd.RegisterFlagCompletionFunc("nats", cobra.NoFileCompletions)
	return cmd
}

func runDemo(ctx context.Context, stdout io.Writer, seed int64, citizens int, t date.Date, natsURL, token, adminToken string) error {
	if t.IsZero() {
		t = date.Of(time.Now().In(date.HomeLocation()))
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
	coordinator, admin := &asserter{nc: nc, token: token}, &asserter{nc: nc, token: adminToken}
	p := newProgress(stdout, "sending demo", len(ds.Commands))
	for i, c := range ds.Commands {
		agg, err := command.Target(c)
		if err != nil {
			return err
		}
		as := coordinator
		if agg.Kind == event.AreaDirectory {
			as = admin
		}
		assertion, err := as.get(ctx)
		if err != nil {
			return err
		}
		body, err := json.Marshal(c)
		if err != nil {
			return err
		}
		msg := nats.NewMsg(command.SubjectPrefix + "." + string(c.CommandName()))
		msg.Data = body
		msg.Header.Set(access.HeaderAssertion, assertion)
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

// asserter exchanges an API token for assertions at the access service,
// anew when the one it holds has under 30 seconds left.
type asserter struct {
	nc        *nats.Conn
	token     string
	assertion string
	expires   time.Time
}

func (a *asserter) get(ctx context.Context) (string, error) {
	if a.assertion != "" && time.Until(a.expires) > 30*time.Second {
		return a.assertion, nil
	}
	var ex struct {
		Assertion string    `json:"assertion"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	cred, _ := json.Marshal(map[string]string{"credential": a.token})
	if err := natsRequest(ctx, a.nc, nats.NewMsg(exchangeSubject), cred, &ex); err != nil {
		return "", fmt.Errorf("sign in over NATS: %w", err)
	}
	a.assertion, a.expires = ex.Assertion, ex.ExpiresAt
	return a.assertion, nil
}
