package seal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/seal"
)

// TestBindKeyringWaitsForTheOwner: the graph service's user binds the key
// bucket before the command service has made it, waits, and then reads
// the keys the command service creates and sees their erasure.
func TestBindKeyringWaitsForTheOwner(t *testing.T) {
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		r   *seal.Keyring
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := seal.BindKeyring(ctx, srv.JetStreamAs(natsperm.Graph), seal.KeyringConfig{MasterKey: master})
		done <- result{r, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("BindKeyring returned before the bucket existed: %v", r.err)
	case <-time.After(300 * time.Millisecond):
	}
	owner, err := seal.OpenKeyring(ctx, srv.JetStreamAs(natsperm.Command), seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	mapID := uuid.NewString()
	k, err := owner.Create(ctx, mapID)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := k.Seal("Kari Nordmann")
	r := <-done
	if r.err != nil {
		t.Fatalf("BindKeyring: %v", r.err)
	}
	if got, err := r.r.Reveal(ctx, mapID, sealed); err != nil || got != "Kari Nordmann" {
		t.Fatalf("the bound keyring reveals %q, %v", got, err)
	}
	if err := owner.Erase(ctx, mapID); err != nil {
		t.Fatal(err)
	}
	r.r.Forget(mapID)
	if got, err := r.r.Reveal(ctx, mapID, sealed); err != nil || got != seal.ErasedText {
		t.Fatalf("the bound keyring after erasure reveals %q, %v", got, err)
	}
	// The owner starting again changes nothing, so sends no update; a
	// reader calling OpenKeyring then gets through with its info rights.
	if _, err := seal.OpenKeyring(ctx, srv.JetStreamAs(natsperm.Picture), seal.KeyringConfig{MasterKey: master}); err != nil {
		t.Fatalf("OpenKeyring of an unchanged bucket as a reader: %v", err)
	}
}

// TestBindKeyringGivesUp: without an owner, BindKeyring fails when its
// context ends, naming the bucket's stream; a wrong master key is refused
// before any wait.
func TestBindKeyringGivesUp(t *testing.T) {
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err := seal.BindKeyring(ctx, srv.JetStreamAs(natsperm.Picture), seal.KeyringConfig{MasterKey: master})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "KV_SAMSPILL_MAP_KEYS") {
		t.Fatalf("BindKeyring without a bucket: %v", err)
	}
	if _, err := seal.BindKeyring(context.Background(), srv.JetStream(), seal.KeyringConfig{MasterKey: []byte("short")}); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("BindKeyring with a short master key: %v", err)
	}
}
