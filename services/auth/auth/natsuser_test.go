package auth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/services/auth/auth"
)

// The service runs as its own NATS user, samspill-auth, with only the
// permissions pkg/natsperm gives it: it creates the audit stream and the
// token bucket, watches the bucket, answers its endpoints and reads the
// trail.
func TestRunsAsItsOwnUser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := jsservertest.Start(t)
	signer := accesstest.Signer(t, 7, nil)
	nc, err := srv.Connect(auth.User)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	run, err := auth.Boot(ctx, nc, auth.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	e := &env{t: t, ctx: ctx, js: srv.JetStream(), nc: srv.Conn(), signer: signer}

	st, b := e.request(auth.TokensCreateSubject, &admin, auth.TokenSpec{Name: "x", Role: access.Admin})
	if st != http.StatusOK {
		t.Fatalf("create: %d %s", st, b)
	}
	c := decode[auth.CreatedToken](t, b)
	if st, b := e.request(auth.ExchangeSubject, nil, auth.ExchangeRequest{Credential: c.Credential}); st != http.StatusOK {
		t.Fatalf("exchange: %d %s", st, b)
	}
	if st, b := e.request(auth.AuditSubject, &admin, audit.Query{}); st != http.StatusOK || len(decode[auth.AuditAnswer](t, b).Records) != 2 {
		t.Fatalf("audit: %d %s", st, b)
	}
	if st, b := e.request(auth.TokensRevokeSubject, &admin, auth.RevokeRequest{ID: c.ID}); st != http.StatusOK {
		t.Fatalf("revoke: %d %s", st, b)
	}
	if _, err := run.Service.Authenticate(ctx, c.Credential); err == nil {
		t.Fatal("revoked token authenticates")
	}
}
