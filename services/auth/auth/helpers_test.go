package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/services/auth/auth"
)

var (
	admin       = access.Principal{Subject: "usr:ada", Role: access.Admin}
	coordinator = access.Principal{Subject: "usr:kari", Role: access.Coordinator, Municipality: "3301"}
	analyst     = access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"}
)

// clock is a settable clock for token expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one auth service on an embedded JetStream, with its NATS
// connection, HTTP server (wrapped in access.HTTP with the service as
// authenticator, as the standalone main does) and clock.
type env struct {
	t      *testing.T
	ctx    context.Context
	srv    *jsservertest.Server
	js     jetstream.JetStream
	nc     *nats.Conn
	signer *access.Signer
	clock  *clock
	run    *auth.Running
	svc    *auth.Service
	http   *httptest.Server
}

func start(t *testing.T, oidc *auth.OIDCConfig) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	srv := jsservertest.Start(t)
	signer := accesstest.Signer(t, 7, nil)
	e := &env{t: t, ctx: ctx, srv: srv, js: srv.JetStream(), nc: srv.Conn(), signer: signer, clock: &clock{t: time.Now()}}
	var err error
	e.run, err = auth.Boot(ctx, srv.Conn(), auth.Options{Signer: signer, OIDC: oidc, Replicas: 1, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.run.Stop)
	e.svc = e.run.Service
	e.http = httptest.NewServer(access.HTTP(e.svc, e.svc.Handler()))
	t.Cleanup(e.http.Close)
	return e
}

// assertion signs p.
func (e *env) assertion(p access.Principal) string {
	e.t.Helper()
	return accesstest.Token(e.t, e.signer, p)
}

// request sends a micro request as p (nil: no assertion) and returns the
// status (200 on success) and the body.
func (e *env) request(subject string, p *access.Principal, body any) (int, []byte) {
	e.t.Helper()
	tok := ""
	if p != nil {
		tok = e.assertion(*p)
	}
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	reply := accesstest.Request(e.t, e.nc, tok, "", subject, string(data))
	return accesstest.Status(e.t, reply), reply.Data
}

// do sends an HTTP request with bearer (empty: none) and returns the
// response and its body.
func (e *env) do(method, path, bearer string, body any) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// trail reads the audit records the auth service wrote.
func (e *env) trail(q audit.Query) []audit.Record {
	e.t.Helper()
	recs, err := audit.Read(e.ctx, e.js, q)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// hasRecord reports whether recs hold a record of operation by subject
// with outcome.
func hasRecord(recs []audit.Record, operation, subject, outcome string) bool {
	for _, r := range recs {
		if r.Operation == operation && r.Subject == subject && r.Outcome == outcome {
			return true
		}
	}
	return false
}
