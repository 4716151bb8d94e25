// Package jsservertest starts a real embedded JetStream server for a test
// with one call, in the spirit of net/http/httptest.
package jsservertest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/jsserver"
)

// Server is a test server with its store directory.
type Server struct {
	*jsserver.Server
	Dir string
	tb  testing.TB
}

// Start starts a server on a random loopback port with its store in a fresh
// temporary directory, and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartIn(tb, tb.TempDir())
}

// StartIn starts a server whose store is dir, so that a test can stop it and
// start another on the same store.
func StartIn(tb testing.TB, dir string) *Server {
	tb.Helper()
	return StartWith(tb, jsserver.Config{StoreDir: dir})
}

// StartWith starts a server with the given configuration; an empty
// StoreDir gets a fresh temporary directory. The server always has the
// admin user (Config.Admin), for Conn and JetStream.
func StartWith(tb testing.TB, cfg jsserver.Config) *Server {
	tb.Helper()
	cfg.Admin = true
	if cfg.StoreDir == "" {
		cfg.StoreDir = tb.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := jsserver.Start(ctx, cfg)
	if err != nil {
		tb.Fatalf("start embedded JetStream: %v", err)
	}
	tb.Cleanup(s.Shutdown)
	return &Server{Server: s, Dir: cfg.StoreDir, tb: tb}
}

// Conn opens a connection as the admin user, allowed everything, that is
// closed when the test ends.
func (s *Server) Conn() *nats.Conn {
	s.tb.Helper()
	nc, err := s.ConnectAdmin(s.tb.Name())
	if err != nil {
		s.tb.Fatal(err)
	}
	s.tb.Cleanup(nc.Close)
	return nc
}

// ConnAs opens a connection as user, a service's natsperm user or an
// extra user of the Config given to StartWith (an integration), with only
// its permissions and its inbox prefix, that is closed when the test ends.
// Extra options (an error handler, say) are passed on.
func (s *Server) ConnAs(user string, opts ...nats.Option) *nats.Conn {
	s.tb.Helper()
	nc, err := s.Connect(user, opts...)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.tb.Cleanup(nc.Close)
	return nc
}

// JetStream opens a connection and returns its JetStream context.
func (s *Server) JetStream() jetstream.JetStream {
	s.tb.Helper()
	js, err := jetstream.New(s.Conn())
	if err != nil {
		s.tb.Fatal(err)
	}
	return js
}

// JetStreamAs connects as a service's NATS user and returns its JetStream
// context; any error the server reports on the connection (a permission
// violation, say) fails the test.
func (s *Server) JetStreamAs(user string) jetstream.JetStream {
	s.tb.Helper()
	nc := s.ConnAs(user, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		s.tb.Errorf("%s: %v", user, err)
	}))
	js, err := jetstream.New(nc)
	if err != nil {
		s.tb.Fatal(err)
	}
	return js
}
