// Package jsserver runs an embedded NATS server with JetStream inside the
// Samspill process: the single-node default of `samspill up` and the real
// server every integration test runs against (see jsservertest).
//
// The embedded server listens on loopback only. Its durability is chosen
// explicitly, because this is health data: with SyncAlways the file store
// fsyncs every write before it is acknowledged, so an acknowledged event
// survives a power cut, not only a crash of the process. See
// docs/architecture.md for the measured cost.
package jsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config configures an embedded server.
type Config struct {
	// StoreDir is where JetStream keeps its files. Empty means a memory-only
	// server is not allowed: Validate refuses it.
	StoreDir string
	// Host to listen on; defaults to 127.0.0.1. Anything else must be a
	// loopback address unless AllowRemote is set.
	Host string
	// Port to listen on; 0 picks a free one.
	Port int
	// Name of the server (defaults to "samspill").
	Name string
	// SyncAlways makes the store fsync before acknowledging each write.
	// When false, the store syncs every SyncInterval (server default 2 min).
	SyncAlways   bool
	SyncInterval time.Duration
	// MaxStore limits JetStream file storage in bytes (0: server default).
	MaxStore int64
	// ReadyTimeout bounds the wait for the server to accept connections.
	ReadyTimeout time.Duration
	// Logger receives the server's own log lines; nil discards them.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if c.Name == "" {
		c.Name = "samspill"
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = 30 * time.Second
	}
}

// Validate reports a configuration that must not run.
func (c Config) Validate() error {
	if c.StoreDir == "" {
		return errors.New("jsserver: StoreDir is required")
	}
	switch c.Host {
	case "127.0.0.1", "localhost", "::1", "":
	default:
		return fmt.Errorf("jsserver: host %q is not loopback; the embedded server is for one machine", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("jsserver: port %d out of range", c.Port)
	}
	return nil
}

// Server is a running embedded server.
type Server struct {
	ns *server.Server
}

// Start starts a server and waits until it accepts connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName:            cfg.Name,
		Host:                  cfg.Host,
		Port:                  port,
		JetStream:             true,
		StoreDir:              cfg.StoreDir,
		JetStreamMaxStore:     cfg.MaxStore,
		SyncAlways:            cfg.SyncAlways,
		SyncInterval:          cfg.SyncInterval,
		NoSigs:                true,
		DisableShortFirstPing: true,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("jsserver: new server: %w", err)
	}
	if cfg.Logger != nil {
		ns.SetLoggerV2(&slogAdapter{cfg.Logger.With("component", "nats-server")}, false, false, false)
	}
	go ns.Start()
	deadline := cfg.ReadyTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < deadline {
		deadline = time.Until(d)
	}
	if !ns.ReadyForConnections(deadline) {
		ns.Shutdown()
		return nil, fmt.Errorf("jsserver: not ready for connections within %s", deadline)
	}
	return &Server{ns: ns}, nil
}

// ClientURL is the address clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Connect opens a client connection to the server with the given name.
func (s *Server) Connect(name string, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1)}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		return nil, fmt.Errorf("jsserver: connect %s: %w", name, err)
	}
	return nc, nil
}

// NATS returns the underlying server, for tests that need to inspect it.
func (s *Server) NATS() *server.Server { return s.ns }

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// slogAdapter passes the server's log lines to slog.
type slogAdapter struct{ l *slog.Logger }

func (a *slogAdapter) Noticef(format string, v ...any) { a.l.Info(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Tracef(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
