package demo_test

import (
	"context"
	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/samspill/demo"
)

// TestCommandServiceAcceptsEverything executes the whole data set with the
// real command service on an embedded JetStream server, with the service's
// clock on the demo's today. Every command must be accepted, and a second
// run must be answered from the idempotency record without new events.
func TestCommandServiceAcceptsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JetStream server and executes every command")
	}
	today := date.MustParse("2026-03-14")
	ds, err := demo.Generate(demo.Options{Seed: 3, Today: today, Citizens: 200})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	log, err := eventlog.Open(ctx, js, eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.OpenKeyring(ctx, js, seal.KeyringConfig{MasterKey: make([]byte, seal.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	noon := today.Time().Add(12 * time.Hour)
	if _, err := audit.EnsureStream(ctx, js, 1, 0); err != nil {
		t.Fatal(err)
	}
	svc, err := command.NewService(log, keys, command.Config{Clock: func() time.Time { return noon }, Location: time.UTC,
		Audit: audit.NewWriter(js, "command", nil)})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range ds.Commands {
		if _, err := svc.Execute(principalCtx(t, ctx, ds, c), c); err != nil {
			t.Fatalf("command %d (%s): %v", i, c.CommandName(), err)
		}
	}
	head, err := log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head != uint64(len(ds.Commands)) {
		t.Errorf("log head %d after %d commands", head, len(ds.Commands))
	}
	// Loading the demo again changes nothing.
	for i, c := range ds.Commands[:500] {
		res, err := svc.Execute(principalCtx(t, ctx, ds, c), c)
		if err != nil || !res.Duplicate {
			t.Fatalf("again: command %d (%s): %v, duplicate %v", i, c.CommandName(), err, res.Duplicate)
		}
	}
}

// principalCtx carries the principal the demo gives c as: the
// administrator for the directory, the municipality's coordinator for a
// map.
func principalCtx(t *testing.T, ctx context.Context, ds *demo.Dataset, c command.Command) context.Context {
	t.Helper()
	p, err := ds.Principal(c)
	if err != nil {
		t.Fatal(err)
	}
	return access.WithPrincipal(ctx, p)
}
