package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/natsperm"
)

// TestSingleServes runs deploy/nats/single.conf (on free ports, with fresh
// development certificates and key) and shows that a service gets in
// with its client certificate only, as the user that certificate names,
// and is refused outside its subjects.
func TestSingleServes(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "deploy", "nats"), os.DirFS("../../deploy/nats")); err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(root, "deploy", "nats", "tls")
	if err := os.RemoveAll(tlsDir); err != nil {
		t.Fatal(err)
	}
	devEnv(t, tlsDir)
	t.Chdir(root)
	opts, err := server.ProcessConfigFile("deploy/nats/single.conf")
	if err != nil {
		t.Fatal(err)
	}
	opts.Port, opts.HTTPSPort, opts.StoreDir, opts.NoSigs = -1, -1, t.TempDir(), true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(30 * time.Second) {
		t.Fatal("not ready")
	}
	if !ns.JetStreamEnabled() {
		t.Fatal("JetStream is off")
	}
	url := strings.Replace(ns.ClientURL(), "nats://", "tls://", 1)
	ca := nats.RootCAs(filepath.Join(tlsDir, "ca.pem"))
	as := func(user string, opts ...nats.Option) (*nats.Conn, error) {
		u, _ := natsperm.Lookup(user)
		return nats.Connect(url, append([]nats.Option{ca, nats.Name(user), nats.CustomInboxPrefix(u.Inbox),
			nats.ClientCert(filepath.Join(tlsDir, user+".pem"), filepath.Join(tlsDir, user+"-key.pem"))}, opts...)...)
	}

	if nc, err := nats.Connect(url, ca); err == nil {
		nc.Close()
		t.Error("a client without a certificate got in")
	}
	if nc, err := nats.Connect(strings.Replace(url, "tls://", "nats://", 1)); err == nil {
		nc.Close()
		t.Error("a plain-text client got in")
	}

	violations := make(chan error, 10)
	gap, err := as(natsperm.Gap, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	if err != nil {
		t.Fatalf("the gap service's certificate: %v", err)
	}
	defer gap.Close()
	web, err := as(natsperm.Web)
	if err != nil {
		t.Fatalf("the web's certificate: %v", err)
	}
	defer web.Close()
	sub, err := web.SubscribeSync("samspill.gap.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := web.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := gap.Publish("samspill.gap.3203.m1.P1.g1.opened", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("the web got no gap event: %v", err)
	}
	if err := web.LastError(); err != nil {
		t.Errorf("web: %v", err)
	}
	// The access service's certificate makes it its user: it answers
	// samspill.auth.*, which the web may request.
	auth, err := as(natsperm.Auth)
	if err != nil {
		t.Fatalf("the access service's certificate: %v", err)
	}
	defer auth.Close()
	if _, err := auth.Subscribe("samspill.auth.exchange", func(m *nats.Msg) { _ = m.Respond([]byte("ok")) }); err != nil {
		t.Fatal(err)
	}
	if err := auth.Flush(); err != nil {
		t.Fatal(err)
	}
	if reply, err := web.Request("samspill.auth.exchange", nil, 10*time.Second); err != nil || string(reply.Data) != "ok" {
		t.Fatalf("the web's exchange through the access service: %v", err)
	}
	if err := auth.LastError(); err != nil {
		t.Errorf("auth: %v", err)
	}
	if err := gap.Publish("samspill.cmd.erase_map", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-violations:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Errorf("got %v, want a permissions violation", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the gap service sent a command and was not refused")
	}
}
