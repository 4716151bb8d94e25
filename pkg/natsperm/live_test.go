package natsperm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
)

// These tests run the table on a real server: what a user needs works
// without a single permissions violation, and what it must not do is
// refused by the server.

// violations collects the errors the server reports on a connection.
type violations struct {
	mu   sync.Mutex
	errs []error
}

func (v *violations) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	v.mu.Lock()
	v.errs = append(v.errs, err)
	v.mu.Unlock()
}

func (v *violations) all() []error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]error(nil), v.errs...)
}

// none fails if the server reported anything on the connection.
func (v *violations) none(t *testing.T, who string) {
	t.Helper()
	for _, err := range v.all() {
		t.Errorf("%s: %v", who, err)
	}
}

// want waits for a permissions violation naming subject.
func (v *violations) want(t *testing.T, who, subject string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, err := range v.all() {
			if strings.Contains(strings.ToLower(err.Error()), "permissions violation") && strings.Contains(err.Error(), subject) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s: no permissions violation for %s (errors: %v)", who, subject, v.all())
}

func connAs(t *testing.T, srv *jsservertest.Server, user string) (*nats.Conn, jetstream.JetStream, *violations) {
	t.Helper()
	v := &violations{}
	nc := srv.ConnAs(user, nats.ErrorHandler(v.handler))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js, v
}

// TestAuthUserLive: the access service creates its token bucket and the
// audit stream, puts, gets, deletes and watches tokens, writes its own
// audit records and reads the trail with an ordered consumer and direct
// gets; it may not delete or purge the trail.
func TestAuthUserLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := jsservertest.Start(t)
	_, js, v := connAs(t, srv, natsperm.Auth)

	kctx, kcancel := context.WithTimeout(ctx, 5*time.Second)
	defer kcancel()
	kv, err := js.CreateOrUpdateKeyValue(kctx, jetstream.KeyValueConfig{Bucket: natsperm.TokenBucket, History: 1})
	if err != nil {
		t.Fatalf("token bucket: %v (%v)", err, v.all())
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: natsperm.TokenBucket, History: 1, Description: "tokens"}); err != nil {
		t.Fatalf("update the token bucket: %v", err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer func() { _ = w.Stop() }()
	// next is the watch's next entry (nil: the end of the initial values).
	next := func() jetstream.KeyValueEntry {
		t.Helper()
		select {
		case e := <-w.Updates():
			return e
		case <-ctx.Done():
			t.Fatalf("the watch saw nothing (%v)", v.all())
			return nil
		}
	}
	if e := next(); e != nil {
		t.Fatalf("the empty bucket's watch began with %s", e.Key())
	}
	if _, err := kv.Put(ctx, "t1", []byte("hash")); err != nil {
		t.Fatalf("put: %v", err)
	}
	if e := next(); e == nil || e.Operation() != jetstream.KeyValuePut || e.Key() != "t1" {
		t.Fatalf("the watch saw %v, want the put", e)
	}
	if e, err := kv.Get(ctx, "t1"); err != nil || string(e.Value()) != "hash" {
		t.Fatalf("get: %v", err)
	}
	if err := kv.Delete(ctx, "t1"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if e := next(); e == nil || e.Operation() != jetstream.KeyValueDelete {
		t.Fatalf("the watch saw %v, want the delete", e)
	}
	if _, err := kv.ListKeys(ctx); err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		t.Fatalf("keys: %v", err)
	}

	stream, err := audit.EnsureStream(ctx, js, 1, 0)
	if err != nil {
		t.Fatalf("audit stream: %v", err)
	}
	rec := audit.Record{Subject: "admin:a", Role: "admin", Operation: "auth.tokens.create", Action: "manage", Kind: "tokens", Outcome: audit.Allowed}
	if err := audit.NewWriter(js, "auth", nil).Write(ctx, rec); err != nil {
		t.Fatalf("write an audit record: %v", err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{audit.SubjectPrefix + ".>"}})
	if err != nil {
		t.Fatalf("ordered consumer: %v", err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("read the trail: %v", err)
	}
	var got audit.Record
	if err := json.Unmarshal(m.Data(), &got); err != nil || got.Operation != rec.Operation {
		t.Fatalf("read %s: %v", m.Data(), err)
	}
	if _, err := stream.GetLastMsgForSubject(ctx, "samspill.audit.auth.tokens.allowed"); err != nil {
		t.Fatalf("direct get: %v", err)
	}
	if _, err := stream.Info(ctx); err != nil {
		t.Fatalf("info: %v", err)
	}
	// As the access service reads it for an administrator.
	recs, err := audit.Read(ctx, js, audit.Query{Service: "auth", From: time.Now().Add(-time.Hour)})
	if err != nil || len(recs) != 1 || recs[0].Operation != rec.Operation {
		t.Fatalf("audit.Read: %v, %v", recs, err)
	}
	v.none(t, natsperm.Auth)

	// Never delete or purge it. The server refuses the requests, so the
	// calls time out; the violations name them.
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	if err := stream.Purge(short()); err == nil {
		t.Error("the access service purged the audit trail")
	}
	if err := stream.DeleteMsg(short(), 1); err == nil {
		t.Error("the access service deleted an audit record")
	}
	if err := js.DeleteStream(short(), audit.Stream); err == nil {
		t.Error("the access service deleted the audit stream")
	}
	for _, op := range []string{"STREAM.PURGE", "STREAM.MSG.DELETE", "STREAM.DELETE"} {
		v.want(t, natsperm.Auth, "$JS.API."+op+"."+audit.Stream)
	}
	if n, err := stream.Info(ctx); err != nil || n.State.Msgs != 1 {
		t.Errorf("the trail after the refusals: %+v, %v", n, err)
	}
}

// TestServicesWriteOwnAuditLive: each service writes its own audit
// records, not another's, and cannot read the trail.
func TestServicesWriteOwnAuditLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := jsservertest.Start(t)
	if _, err := audit.EnsureStream(ctx, srv.JetStream(), 1, 0); err != nil {
		t.Fatal(err)
	}
	rec := audit.Record{Subject: "user:x", Role: "coordinator", Operation: "query.map", Action: "read", Kind: "map", Resource: "m1", Outcome: audit.Denied}
	for _, user := range []string{natsperm.Command, natsperm.Graph, natsperm.Gap, natsperm.Picture} {
		service := strings.TrimPrefix(user, "samspill-")
		t.Run(service, func(t *testing.T) {
			_, js, v := connAs(t, srv, user)
			if err := audit.NewWriter(js, service, nil).Write(ctx, rec); err != nil {
				t.Fatalf("%s writes its own record: %v", user, err)
			}
			v.none(t, user)
			short := func() context.Context {
				c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				t.Cleanup(cancel)
				return c
			}
			if err := audit.NewWriter(js, "auth", nil).Write(short(), rec); err == nil {
				t.Errorf("%s wrote a record as the access service", user)
			}
			v.want(t, user, "samspill.audit.auth.map.denied")
			if _, err := js.Stream(short(), audit.Stream); err == nil {
				t.Errorf("%s read the audit stream's info", user)
			}
			v.want(t, user, "$JS.API.STREAM.INFO."+audit.Stream)
		})
	}
	info, err := srv.JetStream().Stream(ctx, audit.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 4 {
		t.Errorf("the trail holds %d records, want the 4 the services wrote as themselves", n)
	}
}

// TestIntegrationLive: an integration of jsservertest.StartWith's
// Config.Users connects with ConnAs, may follow its municipality's gaps
// and nothing else.
func TestIntegrationLive(t *testing.T) {
	srv := jsservertest.StartWith(t, jsserver.Config{Users: []natsperm.User{natsperm.Integration("kommune-3301", []string{"area.3301.read"})}})
	nc, _, v := connAs(t, srv, "kommune-3301")
	if _, err := nc.SubscribeSync("samspill.gap.3301.>"); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	v.none(t, "kommune-3301")
	for _, subject := range []string{"samspill.gap.3203.>", "samspill.map.>"} {
		if _, err := nc.SubscribeSync(subject); err != nil {
			t.Fatal(err)
		}
		v.want(t, "kommune-3301", subject)
	}
	if err := nc.Publish("samspill.map.m1.actor_added", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	v.want(t, "kommune-3301", "samspill.map.m1.actor_added")
}
