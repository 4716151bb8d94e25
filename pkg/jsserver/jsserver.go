// Package jsserver runs an embedded NATS server with JetStream inside the
// Samspill process: the single-node default of `samspill up` and the real
// server every integration test runs against (see jsservertest).
//
// The embedded server listens on loopback only, and every service connects
// as its own user, with the permissions of package natsperm and a password
// made for this process only (Connect): a service that publishes or
// subscribes outside its subjects is refused. Clients that give no
// credentials (the samspill command line with --nats, `nats sub`) are the
// user natsperm.CLI.
//
// Config.Users adds users that are not in the table, the integrations
// (natsperm.Integration), each also with a password made for this process
// and connected as by Connect.
//
// Its durability is chosen
// explicitly, because this is health data: with SyncAlways the file store
// fsyncs every write before it is acknowledged, so an acknowledged event
// survives a power cut, not only a crash of the process. See
// docs/architecture.md for the measured cost.
package jsserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/natsperm"
)

// AdminUser is the user with every permission that a server started with
// Config.Admin has, for tests.
const AdminUser = "samspill-admin"

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
	// Logger receives the server's own log lines, and the permission
	// violations the server reports to clients of Connect; nil discards
	// them.
	Logger *slog.Logger
	// Admin adds the user AdminUser, allowed everything, for ConnectAdmin:
	// for tests that set up streams and messages themselves (jsservertest
	// sets it). `samspill up` never sets it.
	Admin bool
	// Users are users beyond the table of natsperm.Users: integrations
	// made with natsperm.Integration. Each gets a password made when the
	// server starts, like the services, and Connect connects as it.
	// Validate refuses a user that fails natsperm.User.Validate, or whose
	// name is a service's, AdminUser or another's in Users.
	Users []natsperm.User
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
	seen := map[string]bool{AdminUser: true}
	for _, u := range natsperm.Users() {
		seen[u.Name] = true
	}
	for _, u := range c.Users {
		if seen[u.Name] {
			return fmt.Errorf("jsserver: extra user %q: the name is taken (a service, the admin or another extra user)", u.Name)
		}
		seen[u.Name] = true
		if err := u.Validate(); err != nil {
			return fmt.Errorf("jsserver: extra user: %w", err)
		}
	}
	return nil
}

// Server is a running embedded server.
type Server struct {
	ns *server.Server
	// passwords of the users, made when the server started.
	passwords map[string]string
	// extra are the users of Config.Users, by name.
	extra  map[string]natsperm.User
	logger *slog.Logger
}

// Permissions returns the server's form of a user's permissions.
func Permissions(u natsperm.User) *server.Permissions {
	p := &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: u.Publish.Allow, Deny: u.Publish.Deny},
		Subscribe: &server.SubjectPermission{Allow: u.Subscribe.Allow, Deny: u.Subscribe.Deny},
	}
	if u.Responses {
		p.Response = &server.ResponsePermission{MaxMsgs: server.DEFAULT_ALLOW_RESPONSE_MAX_MSGS, Expires: server.DEFAULT_ALLOW_RESPONSE_EXPIRATION}
	}
	return p
}

// users makes the server's users: one per natsperm user and extra user
// with a fresh random password, and the admin when asked for.
func users(admin bool, extra []natsperm.User) ([]*server.User, map[string]string) {
	var us []*server.User
	passwords := map[string]string{}
	add := func(name string, p *server.Permissions) {
		passwords[name] = rand.Text()
		us = append(us, &server.User{Username: name, Password: passwords[name], Permissions: p})
	}
	for _, u := range natsperm.Users() {
		add(u.Name, Permissions(u))
	}
	for _, u := range extra {
		add(u.Name, Permissions(u))
	}
	if admin {
		add(AdminUser, nil)
	}
	return us, passwords
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
	us, passwords := users(cfg.Admin, cfg.Users)
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
		Users:                 us,
		// Anonymous clients on loopback: the command line and `nats sub`.
		NoAuthUser: natsperm.CLI,
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
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	extra := map[string]natsperm.User{}
	for _, u := range cfg.Users {
		extra[u.Name] = u
	}
	return &Server{ns: ns, passwords: passwords, extra: extra, logger: logger}, nil
}

// ClientURL is the address clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Connect opens a connection as the service called name: its natsperm
// user, with that user's inbox prefix; or as an extra user of
// Config.Users (an integration) called name. Any other name is an error.
// Permission violations the server reports on the connection are logged
// (unless opts set another error handler).
func (s *Server) Connect(name string, opts ...nats.Option) (*nats.Conn, error) {
	u, ok := natsperm.Lookup(name)
	if !ok {
		u, ok = s.extra[name]
	}
	if !ok {
		return nil, fmt.Errorf("jsserver: connect %s: no such NATS user (see pkg/natsperm and Config.Users)", name)
	}
	return s.connect(name, name, append([]nats.Option{nats.CustomInboxPrefix(u.Inbox)}, opts...))
}

// ConnectAdmin opens a connection as AdminUser, allowed everything, with
// the client name name. The server must have been started with
// Config.Admin.
func (s *Server) ConnectAdmin(name string, opts ...nats.Option) (*nats.Conn, error) {
	if _, ok := s.passwords[AdminUser]; !ok {
		return nil, fmt.Errorf("jsserver: connect %s: the server has no admin user (Config.Admin)", name)
	}
	return s.connect(AdminUser, name, opts)
}

func (s *Server) connect(user, name string, opts []nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{
		nats.Name(name), nats.MaxReconnects(-1), nats.UserInfo(user, s.passwords[user]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				s.logger.Error("nats permission violation", "user", user, "err", err)
				return
			}
			s.logger.Warn("nats", "user", user, "err", err)
		}),
	}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		return nil, fmt.Errorf("jsserver: connect %s as %s: %w", name, user, err)
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
