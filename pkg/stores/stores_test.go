package stores_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stores"
)

func TestOpenIsRepeatable(t *testing.T) {
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	ctx := context.Background()
	for range 2 { // the owner starting again binds the same stores
		s, err := stores.Open(ctx, srv.Conn(), stores.Config{MasterKey: master})
		if err != nil {
			t.Fatal(err)
		}
		if s.Log.Stream() != "SAMSPILL_EVENTS" {
			t.Fatalf("log stream %q", s.Log.Stream())
		}
	}
	if _, err := stores.Open(ctx, srv.Conn(), stores.Config{MasterKey: []byte("short")}); err == nil {
		t.Fatal("a master key of the wrong size was accepted")
	}
}

// connAs connects as a service's user and fails the test on any error
// the server reports on the connection (permission violations).
func connAs(t *testing.T, srv *jsservertest.Server, user string) *nats.Conn {
	t.Helper()
	return srv.ConnAs(user, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		t.Errorf("%s: %v", user, err)
	}))
}

// TestBindWaitsForTheCommandService: the graph and picture services, as
// their own users, bind the stores before the command service has made
// them, and have them once it has; without it they give up when their
// context ends.
func TestBindWaitsForTheCommandService(t *testing.T) {
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := stores.Bind(short, connAs(t, srv, natsperm.Graph), stores.Config{MasterKey: master}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Bind without the command service: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	for _, user := range []string{natsperm.Graph, natsperm.Picture} {
		go func() {
			s, err := stores.Bind(ctx, connAs(t, srv, user), stores.Config{MasterKey: master})
			if err == nil && s.Log.Stream() != natsperm.EventStream {
				err = errors.New("bound " + s.Log.Stream())
			}
			errs <- err
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := stores.Open(ctx, connAs(t, srv, natsperm.Command), stores.Config{MasterKey: master}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Bind: %v", err)
		}
	}
	if _, err := stores.Bind(ctx, srv.Conn(), stores.Config{MasterKey: []byte("short")}); err == nil {
		t.Error("Bind accepted a master key of the wrong size")
	}
}
