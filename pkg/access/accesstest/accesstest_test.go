package accesstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
)

// auditStream starts a JetStream server with the audit stream.
func auditStream(t *testing.T) (*jsservertest.Server, jetstream.JetStream) {
	t.Helper()
	srv := jsservertest.Start(t)
	js := srv.JetStream()
	if _, err := audit.EnsureStream(context.Background(), js, 1, 0); err != nil {
		t.Fatal(err)
	}
	return srv, js
}

// failures runs f with a testing.TB that records what Error, Errorf,
// Fatal and Fatalf report (Fatal and Fatalf end f there), and returns
// those reports.
func failures(t *testing.T, f func(tb testing.TB)) []string {
	t.Helper()
	tb := &catcher{TB: t}
	var wg sync.WaitGroup
	wg.Go(func() { f(tb) })
	wg.Wait()
	return tb.msgs
}

// catcher is a testing.TB whose failures are recorded, not reported.
type catcher struct {
	testing.TB
	msgs []string
}

func (c *catcher) Helper()                      {}
func (c *catcher) Error(args ...any)            { c.msgs = append(c.msgs, fmt.Sprint(args...)) }
func (c *catcher) Errorf(f string, args ...any) { c.msgs = append(c.msgs, fmt.Sprintf(f, args...)) }
func (c *catcher) Fatal(args ...any)            { c.Error(args...); runtime.Goexit() }
func (c *catcher) Fatalf(f string, args ...any) { c.Errorf(f, args...); runtime.Goexit() }

// TestAuditSinceReadsWhatAWriterWrote: the records audit.Writer stored
// come back in order, from any sequence on, each under its own subject;
// AuditHead follows the stream.
func TestAuditSinceReadsWhatAWriterWrote(t *testing.T) {
	_, js := auditStream(t)
	ctx := context.Background()
	if got := accesstest.AuditHead(t, js); got != 0 {
		t.Fatalf("head of an empty trail: %d", got)
	}
	if got := accesstest.AuditSince(t, js, 0); got != nil {
		t.Fatalf("records of an empty trail: %+v", got)
	}
	want := []audit.Record{
		{Service: "graph", Subject: "usr:kari", Role: "coordinator", Purpose: "COC", Operation: "query.map", Action: "read", Kind: "map", Resource: "m1", Outcome: audit.Allowed},
		{Service: "gap", Subject: "usr:per", Role: "coordinator", Purpose: "COC", Operation: "query.gaps", Action: "read", Kind: "map", Resource: "m1", Outcome: audit.Denied, Reason: "not assigned"},
		{Service: "picture", Subject: "usr:anders", Role: "analyst", Purpose: "HOPERAT", Operation: "render.area", Action: "read", Kind: "area", Resource: "3301", Outcome: audit.Allowed},
	}
	for _, r := range want {
		if err := audit.NewWriter(js, r.Service, nil).Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got := accesstest.AuditHead(t, js); got != 3 {
		t.Fatalf("head after three records: %d", got)
	}
	same := func(got, want audit.Record) bool {
		got.ID, got.Time = "", time.Time{}
		return got == want
	}
	for from := range uint64(4) {
		got := accesstest.AuditSince(t, js, from)
		if len(got) != len(want)-int(from) {
			t.Fatalf("since %d: %d records %+v", from, len(got), got)
		}
		for i, r := range got {
			if !same(r, want[int(from)+i]) || r.ID == "" || r.Time.IsZero() {
				t.Errorf("since %d, record %d: %+v, want %+v", from, i, r, want[int(from)+i])
			}
		}
	}
	// A record stored under another service's subject is not one the
	// trail may hold.
	b, err := json.Marshal(audit.Record{ID: "x", Time: time.Now(), Service: "gap", Subject: "usr:kari", Operation: "query.gaps", Action: "read", Kind: "map", Outcome: audit.Allowed})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "samspill.audit.graph.map.allowed", b); err != nil {
		t.Fatal(err)
	}
	if msgs := failures(t, func(tb testing.TB) { accesstest.AuditSince(tb, js, 3) }); len(msgs) != 1 || !strings.Contains(msgs[0], "stored under samspill.audit.graph.map.allowed") {
		t.Errorf("a record under the wrong subject: %q", msgs)
	}
}

// TestTokenAndBearer: a signer of the same seed verifies a token, one of
// another seed or a later clock does not; Bearer gives the handler the
// principal.
func TestTokenAndBearer(t *testing.T) {
	kari := access.Principal{Subject: "usr:kari", Role: access.Coordinator}
	tok := accesstest.Token(t, accesstest.Signer(t, 9, nil), kari)
	if p, err := accesstest.Signer(t, 9, nil).Verifier().Verify(tok); err != nil || p.Subject != kari.Subject || p.Role != kari.Role {
		t.Errorf("the same seed: %+v %v", p, err)
	}
	if _, err := accesstest.Signer(t, 10, nil).Verifier().Verify(tok); err == nil {
		t.Error("another seed verified the token")
	}
	late := accesstest.Signer(t, 9, func() time.Time { return time.Now().Add(time.Hour) })
	if _, err := late.Verifier().Verify(tok); err == nil {
		t.Error("a token verified an hour after it was signed")
	}
	h := accesstest.Bearer(t, accesstest.Signer(t, 9, nil), kari, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := access.FromContext(r.Context())
		if !ok {
			http.Error(w, "no principal", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(p.Subject + " " + string(p.Purpose)))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || rec.Body.String() != "usr:kari COC" {
		t.Errorf("behind Bearer: %d %s", rec.Code, rec.Body)
	}
}

// TestReads runs a table of reads against a small service that guards a
// map over NATS micro and HTTP, as the services do: the statuses, the
// bodies and the audit records are the ones the cases say, and Request
// and Status carry the assertion, the purpose and the error code.
func TestReads(t *testing.T) {
	srv, js := auditStream(t)
	nc := srv.Conn()
	signer := accesstest.Signer(t, 9, nil)
	const mapID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	kari := access.Principal{Subject: "usr:kari", Role: access.Coordinator}
	per := access.Principal{Subject: "usr:per", Role: access.Coordinator}
	guard := access.NewGuard(audit.NewWriter(js, "test", nil), func(m, subject string) bool { return m == mapID && subject == kari.Subject }, nil)
	read := func(ctx context.Context, id string) (string, error) {
		p, err := guard.Check(ctx, "query.map", access.Read, access.Map(id))
		if err != nil {
			return "", err
		}
		return "the map of " + p.Subject, nil
	}
	svc, err := micro.AddService(nc, micro.Config{Name: "accesstest", Version: "1.0.0", Endpoint: &micro.EndpointConfig{
		Subject: "samspill.test.map",
		Handler: micro.HandlerFunc(func(req micro.Request) {
			ctx, err := signer.Verifier().FromHeaders(context.Background(), req.Headers())
			var body string
			if err == nil {
				body, err = read(ctx, string(req.Data()))
			}
			if err != nil {
				status, _, _ := access.Status(err)
				_ = req.Error(strconv.Itoa(status), err.Error(), nil)
				return
			}
			_ = req.Respond([]byte(body))
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /maps/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, err := read(r.Context(), r.PathValue("id"))
		if err != nil {
			status, _, _ := access.Status(err)
			http.Error(w, err.Error(), status)
			return
		}
		_, _ = w.Write([]byte(body))
	})

	if got := accesstest.Status(t, accesstest.Request(t, nc, "", "", "samspill.test.map", mapID)); got != 401 {
		t.Errorf("no assertion over NATS: %d", got)
	}
	shows := func(s string) func(testing.TB, []byte) {
		return func(tb testing.TB, b []byte) {
			if string(b) != s {
				tb.Errorf("answer %q, want %q", b, s)
			}
		}
	}
	allowed, denied := accesstest.Allowed, accesstest.Denied
	accesstest.Reads{JS: js, NC: nc, Handler: mux, Verifier: signer.Verifier(), Service: "test"}.Run(t, []accesstest.Case{
		{Name: "assigned", Token: accesstest.Token(t, signer, kari), Purpose: string(access.PurposeTreatment), Subject: "samspill.test.map",
			Body: mapID, URL: "/maps/" + mapID, Status: 200, Audit: allowed(kari, "TREAT", "query.map", "map", mapID), Check: shows("the map of usr:kari")},
		{Name: "not assigned", Token: accesstest.Token(t, signer, per), Subject: "samspill.test.map", Body: mapID, URL: "/maps/" + mapID,
			Status: 403, Audit: denied(per, "query.map", "map", mapID)},
		{Name: "no assertion", Subject: "samspill.test.map", Body: mapID, URL: "/maps/" + mapID, Status: 401},
		{Name: "unknown purpose", Token: accesstest.Token(t, signer, kari), Purpose: "CURIOSITY", Subject: "samspill.test.map", Body: mapID,
			URL: "/maps/" + mapID, Status: 401, HTTPStatus: 400},
	})

	// Each check of Run fails a case that says otherwise.
	reads := accesstest.Reads{JS: js, NC: nc, Handler: mux, Verifier: signer.Verifier(), Service: "test"}
	kariReads := accesstest.Case{Name: "assigned", Token: accesstest.Token(t, signer, kari), Subject: "samspill.test.map", Body: mapID,
		URL: "/maps/" + mapID, Status: 200, Audit: allowed(kari, "COC", "query.map", "map", mapID)}
	wrong := func(name string, change func(c *accesstest.Case), r accesstest.Reads, want string) {
		t.Helper()
		c := kariReads
		c.Name = name
		change(&c)
		msgs := failures(t, func(tb testing.TB) { r.Run(tb, []accesstest.Case{c}) })
		if len(msgs) != 2 || !strings.Contains(msgs[0], name+" over nats: "+want) || !strings.Contains(msgs[1], name+" over http: "+want) {
			t.Errorf("%s: reported %q, want %q over nats and http", name, msgs, want)
		}
	}
	wrong("the status", func(c *accesstest.Case) { c.Status = 403 }, reads, "200, want 403")
	wrong("no record", func(c *accesstest.Case) { c.Audit = nil }, reads, "audited")
	wrong("the operation", func(c *accesstest.Case) { c.Audit = allowed(kari, "COC", "query.history", "map", mapID) }, reads, "audited")
	wrong("the purpose", func(c *accesstest.Case) { c.Audit = allowed(kari, "TREAT", "query.map", "map", mapID) }, reads, "audited")
	wrong("the outcome", func(c *accesstest.Case) { c.Audit = denied(kari, "query.map", "map", mapID) }, reads, "audited")
	other := reads
	other.Service = "graph"
	wrong("the service", func(c *accesstest.Case) {}, other, "audited")
	c := kariReads
	c.Check = shows("the map of usr:per")
	if msgs := failures(t, func(tb testing.TB) { reads.Run(tb, []accesstest.Case{c}) }); len(msgs) != 2 || !strings.Contains(msgs[0], `answer "the map of usr:kari"`) {
		t.Errorf("the body: reported %q", msgs)
	}
	c = kariReads
	c.HTTPStatus = 201
	if msgs := failures(t, func(tb testing.TB) { reads.Run(tb, []accesstest.Case{c}) }); len(msgs) != 1 || !strings.Contains(msgs[0], "assigned over http: 200, want 201") {
		t.Errorf("the status over HTTP: reported %q", msgs)
	}
}
