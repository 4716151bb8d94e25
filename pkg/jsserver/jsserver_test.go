package jsserver_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/natsperm"
)

func start(t *testing.T, cfg jsserver.Config) *jsserver.Server {
	t.Helper()
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	s, err := jsserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// TestLoopbackOnly: the embedded server refuses any other address, and
// listens on loopback by default.
func TestLoopbackOnly(t *testing.T) {
	for _, host := range []string{"0.0.0.0", "::", "10.0.0.1", "samspill.example"} {
		_, err := jsserver.Start(context.Background(), jsserver.Config{StoreDir: t.TempDir(), Host: host})
		if err == nil || !strings.Contains(err.Error(), "not loopback") {
			t.Errorf("host %q: err = %v, want a refusal", host, err)
		}
	}
	s := start(t, jsserver.Config{})
	addr, ok := s.NATS().Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsLoopback() {
		t.Fatalf("listens on %v, want loopback", s.NATS().Addr())
	}
}

// TestUsers: services connect as their own users, with their own inbox
// prefixes; other names, wrong passwords and the admin of a server
// without one are refused; anonymous clients are the command line.
func TestUsers(t *testing.T) {
	s := start(t, jsserver.Config{})
	if _, err := s.Connect("samspill-nobody"); err == nil {
		t.Error("Connect of an unknown user succeeded")
	}
	if _, err := s.ConnectAdmin("test"); err == nil {
		t.Error("ConnectAdmin succeeded on a server without Config.Admin")
	}
	if nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(natsperm.Command, "guess")); err == nil {
		nc.Close()
		t.Error("a wrong password was accepted")
	}

	violations := make(chan error, 10)
	gap, err := s.Connect(natsperm.Gap, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer gap.Close()
	if in := gap.NewInbox(); !strings.HasPrefix(in, "_INBOX_gap.") {
		t.Errorf("the gap service's inbox is %s", in)
	}
	cli, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	// The command line follows gap events; the gap service publishes one.
	sub, err := cli.SubscribeSync("samspill.gap.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := gap.Publish("samspill.gap.3203.m1.P1.g1.opened", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("the command line got no gap event: %v", err)
	}

	// The gap service may not send commands.
	if err := gap.Publish("samspill.cmd.erase_map", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	wantViolation(t, violations, "samspill.cmd.erase_map")

	// Anonymous clients may not subscribe to commands.
	if _, err := cli.SubscribeSync("samspill.cmd.>"); err != nil {
		t.Fatal(err)
	}
	if err := cli.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := cli.LastError(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		t.Errorf("anonymous subscription to samspill.cmd.>: last error %v, want a permissions violation", err)
	}
}

func wantViolation(t *testing.T, errs <-chan error, subject string) {
	t.Helper()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") || !strings.Contains(err.Error(), subject) {
			t.Errorf("error %v, want a permissions violation on %s", err, subject)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("no permissions violation reported for %s", subject)
	}
}

// TestAdmin: a server with Config.Admin lets ConnectAdmin do anything.
func TestAdmin(t *testing.T) {
	s := start(t, jsserver.Config{Admin: true})
	nc, err := s.ConnectAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync(">")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("samspill.cmd.erase_map", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("admin: %v", err)
	}
	if err := nc.LastError(); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationUser: an integration (Config.Users) connects as its own
// user with its own inbox, follows the gap events of the municipality it
// is granted and no other, and may not publish events.
func TestIntegrationUser(t *testing.T) {
	s := start(t, jsserver.Config{Users: []natsperm.User{natsperm.Integration("kommune-3301", []string{"area.3301.read"})}})
	violations := make(chan error, 10)
	nc, err := s.Connect("kommune-3301", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if in := nc.NewInbox(); !strings.HasPrefix(in, "_INBOX_kommune-3301.") {
		t.Errorf("the integration's inbox is %s", in)
	}
	if nc, err := nats.Connect(s.ClientURL(), nats.UserInfo("kommune-3301", "guess")); err == nil {
		nc.Close()
		t.Error("a wrong password was accepted")
	}
	gap, err := s.Connect(natsperm.Gap)
	if err != nil {
		t.Fatal(err)
	}
	defer gap.Close()

	// Its own municipality's gaps: allowed, and delivered.
	own, err := nc.SubscribeSync("samspill.gap.3301.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := gap.Publish("samspill.gap.3301.m1.P1.g1.opened", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if m, err := own.NextMsg(10 * time.Second); err != nil || m.Subject != "samspill.gap.3301.m1.P1.g1.opened" {
		t.Fatalf("the integration got no gap event of 3301: %v", err)
	}

	// Another municipality's gaps, and the map events: refused.
	for _, subject := range []string{"samspill.gap.3203.>", "samspill.map.>"} {
		if _, err := nc.SubscribeSync(subject); err != nil {
			t.Fatal(err)
		}
		wantViolation(t, violations, subject)
	}
	// It publishes no events, of maps or of gaps.
	for _, subject := range []string{"samspill.map.m1.actor_added", "samspill.gap.3301.m1.P1.g2.opened"} {
		if err := nc.Publish(subject, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		wantViolation(t, violations, subject)
	}
	// Its requests go out (nobody answers here: no responders, which
	// is not a permissions violation).
	if _, err := nc.Request("samspill.query.system", []byte("{}"), 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("request samspill.query.system: %v, want no responders", err)
	}
	select {
	case err := <-violations:
		t.Errorf("unexpected error: %v", err)
	default:
	}
	// The 3203 subscription got nothing, though a 3203 gap was published.
	if err := gap.Publish("samspill.gap.3203.m2.P1.g1.opened", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := gap.Flush(); err != nil {
		t.Fatal(err)
	}
	if m, err := own.NextMsg(200 * time.Millisecond); err == nil {
		t.Errorf("the 3301 subscription got %s", m.Subject)
	}
}

// TestExtraUsersValidated: extra users must be valid integrations whose
// names are free.
func TestExtraUsersValidated(t *testing.T) {
	for _, tt := range []struct {
		name  string
		users []natsperm.User
	}{
		{"a service's name", []natsperm.User{{Name: natsperm.Graph, Inbox: "_INBOX_graph"}}},
		{"the admin's name", []natsperm.User{natsperm.Integration(jsserver.AdminUser, nil)}},
		{"twice", []natsperm.User{natsperm.Integration("nhn", nil), natsperm.Integration("nhn", nil)}},
		{"a bad grant", []natsperm.User{natsperm.Integration("nhn", []string{"area.3>.read"})}},
		{"a reserved name", []natsperm.User{natsperm.Integration("graph", nil)}},
	} {
		if _, err := jsserver.Start(context.Background(), jsserver.Config{StoreDir: t.TempDir(), Users: tt.users}); err == nil {
			t.Errorf("%s: the server started", tt.name)
		}
	}
	s := start(t, jsserver.Config{})
	if _, err := s.Connect("kommune-3301"); err == nil {
		t.Error("Connect of an integration the server does not have succeeded")
	}
}
