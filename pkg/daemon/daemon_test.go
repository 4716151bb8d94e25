package daemon_test

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/daemon"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
)

func TestServeStopsInOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- daemon.Serve(ctx, slog.New(slog.DiscardHandler), "127.0.0.1:0", http.NotFoundHandler(), func(context.Context) error {
			close(stopped)
			return nil
		})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	select {
	case <-stopped:
	default:
		t.Fatal("the service's stop was not called")
	}
}

func TestServeReportsAFailingListener(t *testing.T) {
	boom := errors.New("stop failed")
	err := daemon.Serve(context.Background(), slog.New(slog.DiscardHandler), "127.0.0.1:-1", http.NotFoundHandler(), func(context.Context) error { return boom })
	if err == nil || errors.Is(err, boom) {
		t.Fatalf("err = %v, want the listener's failure first", err)
	}
}

func TestFlagsNeedAMasterKey(t *testing.T) {
	var f daemon.Flags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Register(fs, "127.0.0.1:1")
	if err := fs.Parse([]string{"--replicas", "3"}); err != nil || f.Replicas != 3 || f.HTTP != "127.0.0.1:1" {
		t.Fatalf("flags %+v, %v", f, err)
	}
	if _, _, err := f.Connect("x"); err == nil {
		t.Fatal("connected without a master key")
	}
}

// TestDialUsesTheServiceInbox: a service's replies come to its own inbox
// prefix (the only one its NATS permissions let it read), and a client
// certificate without its key is refused before connecting.
func TestDialUsesTheServiceInbox(t *testing.T) {
	srv := jsservertest.Start(t)
	f := daemon.Flags{NATS: srv.ClientURL()}
	nc, err := f.Dial(natsperm.Graph)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	u, _ := natsperm.Lookup(natsperm.Graph)
	if inbox := nc.NewRespInbox(); !strings.HasPrefix(inbox, u.Inbox+".") {
		t.Errorf("reply inbox %q, want one under %s", inbox, u.Inbox)
	}
	f.TLSCert = "client.pem"
	if _, err := f.Dial(natsperm.Graph); err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("a certificate without its key: %v", err)
	}
}
