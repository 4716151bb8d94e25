package eventlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/eventlog"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
)

// TestBindWaitsForTheOwner: a reader binding the log before the command
// service has created it waits, as the graph service's user (which may
// not create it), and has the log once another connection creates it.
func TestBindWaitsForTheOwner(t *testing.T) {
	srv := jsservertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		l   *eventlog.Log
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := eventlog.Bind(ctx, srv.JetStreamAs(natsperm.Graph), eventlog.Config{})
		done <- result{l, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Bind returned before the stream existed: %v, %v", r.l, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	owner, err := eventlog.Open(ctx, srv.JetStreamAs(natsperm.Command), eventlog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Append(ctx, newMap(), 0, "0b6c2f0e-5c1e-4d8e-9a0a-7d1d2f3e4a5b", envs(t, 1)); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Bind: %v", r.err)
	}
	if r.l.Stream() != natsperm.EventStream {
		t.Errorf("bound %s", r.l.Stream())
	}
	if head, err := r.l.Head(ctx); err != nil || head != 1 {
		t.Errorf("the bound log's head: %d, %v; want 1", head, err)
	}
}

// TestBindGivesUp: without an owner, Bind fails when its context ends,
// saying which stream it waited for and wrapping the context's error.
func TestBindGivesUp(t *testing.T) {
	srv := jsservertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := eventlog.Bind(ctx, srv.JetStreamAs(natsperm.Gap), eventlog.Config{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "SAMSPILL_EVENTS") || !strings.Contains(err.Error(), "owner") {
		t.Fatalf("Bind without a stream: %v; want the stream named and the deadline wrapped", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Bind took %s to give up", time.Since(start))
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := eventlog.Bind(cctx, srv.JetStream(), eventlog.Config{Stream: "NONE"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Bind with a cancelled context: %v", err)
	}
	if _, err := eventlog.Bind(context.Background(), srv.JetStream(), eventlog.Config{Stream: "a.b"}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Bind of an invalid name: %v, want an immediate error", err)
	}
}

// TestOpenUpdatesOnlyWhatDrifted: the owner's Open on a stream that is as
// configured sends no update, so a service that may only read the stream
// info still gets through it; a changed configuration is applied.
func TestOpenUpdatesOnlyWhatDrifted(t *testing.T) {
	srv := jsservertest.Start(t)
	ctx := context.Background()
	if _, err := eventlog.Open(ctx, srv.JetStreamAs(natsperm.Command), eventlog.Config{}); err != nil {
		t.Fatal(err)
	}
	// The picture service has no STREAM.UPDATE: an update would be a
	// permissions violation (jsAs fails the test on one).
	if _, err := eventlog.Open(ctx, srv.JetStreamAs(natsperm.Picture), eventlog.Config{}); err != nil {
		t.Fatalf("Open of an unchanged stream as a reader: %v", err)
	}
	js := srv.JetStreamAs(natsperm.Command)
	if _, err := eventlog.Open(ctx, js, eventlog.Config{MaxBytes: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, natsperm.EventStream)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.MaxBytes; got != 1<<30 {
		t.Errorf("max_bytes after Open with a new limit: %d", got)
	}
}

func TestDrift(t *testing.T) {
	want := eventlog.Config{}.StreamConfig()
	if d := eventlog.Drift(want, want); len(d) != 0 {
		t.Errorf("a configuration drifts from itself: %v", d)
	}
	have := want
	have.Subjects = []string{want.Subjects[1], want.Subjects[0]}
	have.MaxMsgs = 0 // the server's -1 and 0 are both unlimited
	have.Metadata = map[string]string{"_nats.ver": "2.12"}
	have.MaxConsumers = -1
	if d := eventlog.Drift(want, have); len(d) != 0 {
		t.Errorf("drift %v where only the order of subjects and server defaults differ", d)
	}
	have = want
	have.MaxAge = 24 * time.Hour
	have.DenyPurge = false
	have.Replicas = 3
	have.Subjects = append(have.Subjects, "samspill.x.>")
	d := eventlog.Drift(want, have)
	if strings.Join(d, ",") != "subjects,max_age,num_replicas,deny_purge" {
		t.Errorf("drift %v", d)
	}
}
