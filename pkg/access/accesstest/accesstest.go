// Package accesstest holds test helpers for any package that tests access
// control: assertions signed with a key from a seed, requests that carry
// them over HTTP (a Bearer token through access.HTTP) and over NATS (the
// Samspill-Assertion and Samspill-Purpose headers), the status of a NATS
// micro answer, the audit records a request left in the audit stream, and
// Reads, which sends a table of reads over both transports and checks each
// status and audit record.
//
// The helpers take a testing.TB and end the test on an error, naming what
// failed.
package accesstest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
)

// Timeout bounds a NATS request and a read of the audit stream.
const Timeout = 10 * time.Second

// Signer is an access service's signer with the Ed25519 key of seed (every
// byte of the key's seed is seed), so that two calls with the same seed
// sign and verify alike; now is its clock (nil: time.Now).
func Signer(tb testing.TB, seed byte, now func() time.Time) *access.Signer {
	tb.Helper()
	s, err := access.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)), now)
	if err != nil {
		tb.Fatalf("accesstest: signer of seed %d: %v", seed, err)
	}
	return s
}

// Token is the assertion s signs for p.
func Token(tb testing.TB, s *access.Signer, p access.Principal) string {
	tb.Helper()
	tok, _, err := s.Sign(p)
	if err != nil {
		tb.Fatalf("accesstest: sign an assertion for %s: %v", p.Subject, err)
	}
	return tok
}

// Bearer serves h, behind access.HTTP with s's verifier, to requests that
// carry p's assertion, signed by s, as their bearer token.
func Bearer(tb testing.TB, s *access.Signer, p access.Principal, h http.Handler) http.Handler {
	edge := access.HTTP(s.Verifier(), h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+Token(tb, s, p))
		edge.ServeHTTP(w, r)
	})
}

// Request sends a NATS request of body to subject with token as its
// assertion (none when empty) and purpose as its purpose of use (the
// role's default when empty), and returns the reply.
func Request(tb testing.TB, nc *nats.Conn, token, purpose, subject, body string) *nats.Msg {
	tb.Helper()
	m := nats.NewMsg(subject)
	m.Data = []byte(body)
	if token != "" {
		m.Header.Set(access.HeaderAssertion, token)
	}
	if purpose != "" {
		m.Header.Set(access.HeaderPurpose, purpose)
	}
	msg, err := nc.RequestMsg(m, Timeout)
	if err != nil {
		tb.Fatalf("accesstest: request %s %s: %v", subject, body, err)
	}
	return msg
}

// Status is the HTTP status a NATS micro reply carries: its
// Nats-Service-Error-Code, 200 when it has none.
func Status(tb testing.TB, msg *nats.Msg) int {
	tb.Helper()
	code := msg.Header.Get(micro.ErrorCodeHeader)
	if code == "" {
		return http.StatusOK
	}
	status, err := strconv.Atoi(code)
	if err != nil {
		tb.Fatalf("accesstest: reply on %s: error code %q is not a status: %v", msg.Subject, code, err)
	}
	return status
}

// AuditHead is the sequence of the audit stream's last record (0: none).
func AuditHead(tb testing.TB, js jetstream.JetStream) uint64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	s, err := js.Stream(ctx, audit.Stream)
	if err != nil {
		tb.Fatalf("accesstest: audit stream %s: %v", audit.Stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		tb.Fatalf("accesstest: audit stream %s: info: %v", audit.Stream, err)
	}
	return info.State.LastSeq
}

// AuditSince reads, with an ordered consumer on samspill.audit.>, the
// audit records stored after the sequence from (0: all) up to the
// stream's head, and ends the test unless each is stored under its own
// subject (audit.Record.NATSSubject).
func AuditSince(tb testing.TB, js jetstream.JetStream, from uint64) []audit.Record {
	tb.Helper()
	head := AuditHead(tb, js)
	if head <= from {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, audit.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{audit.SubjectPrefix + ".>"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from + 1,
	})
	if err != nil {
		tb.Fatalf("accesstest: audit stream %s: ordered consumer from %d: %v", audit.Stream, from+1, err)
	}
	var out []audit.Record
	for last := from; last < head; {
		batch, err := cons.Fetch(int(head-last), jetstream.FetchMaxWait(Timeout))
		if err != nil {
			tb.Fatalf("accesstest: audit stream %s: fetch after %d: %v", audit.Stream, last, err)
		}
		got := 0
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				tb.Fatalf("accesstest: audit record %s: metadata: %v", msg.Data(), err)
			}
			if meta.Sequence.Stream > head {
				// Stored after this read began: not the caller's.
				last = head
				break
			}
			var r audit.Record
			if err := json.Unmarshal(msg.Data(), &r); err != nil {
				tb.Fatalf("accesstest: audit record %d %s: %v", meta.Sequence.Stream, msg.Data(), err)
			}
			if msg.Subject() != r.NATSSubject() {
				tb.Fatalf("accesstest: audit record %d stored under %s, its subject is %s", meta.Sequence.Stream, msg.Subject(), r.NATSSubject())
			}
			out = append(out, r)
			last = meta.Sequence.Stream
			got++
		}
		if err := batch.Error(); err != nil {
			tb.Fatalf("accesstest: audit stream %s: fetch after %d: %v", audit.Stream, last, err)
		}
		if got == 0 && last < head {
			tb.Fatalf("accesstest: audit stream %s: read to %d of %d", audit.Stream, last, head)
		}
	}
	return out
}

// Want is the record one request leaves in the audit trail: who asked,
// for what purpose, by which operation, for which resource, and the
// outcome.
type Want struct {
	Subject, Purpose, Operation, Kind, Resource, Outcome string
}

// Allowed is the record of p's allowed request, made for purpose.
func Allowed(p access.Principal, purpose, operation, kind, resource string) *Want {
	return &Want{p.Subject, purpose, operation, kind, resource, audit.Allowed}
}

// Denied is the record of p's refused request, made for their role's
// default purpose.
func Denied(p access.Principal, operation, kind, resource string) *Want {
	return &Want{p.Subject, string(access.DefaultPurpose(p.Role)), operation, kind, resource, audit.Denied}
}

// Case is one request of one principal, sent over NATS and over HTTP.
type Case struct {
	Name string
	// Token is the assertion sent ("" none), Purpose the purpose of use
	// ("" the role's default).
	Token, Purpose string
	// Subject and Body over NATS, URL (a GET) over HTTP.
	Subject, Body, URL string
	// Status is the answer's status, HTTPStatus the one over HTTP when it
	// is not Status.
	Status, HTTPStatus int
	// Audit is the record the request leaves; nil: none.
	Audit *Want
	// Check looks at an allowed answer's body (nil: nothing to check).
	Check func(tb testing.TB, body []byte)
}

// Reads sends reads to a service over NATS and over HTTP and checks the
// answers' statuses and what each leaves in the audit trail.
type Reads struct {
	// JS holds the audit stream; NC carries the NATS requests to the
	// service's micro endpoints.
	JS jetstream.JetStream
	NC *nats.Conn
	// Handler is the service's HTTP handler, served behind access.HTTP with
	// Verifier.
	Handler  http.Handler
	Verifier *access.Verifier
	// Service is the name the service audits under (audit.Record.Service).
	Service string
}

// Run sends each case over NATS and over HTTP. It checks the status and,
// for an allowed answer, the case's Check; then that the request left
// exactly the case's audit record (none when Audit is nil), a read
// (access.Read) by r.Service, with a reason if and only if it was denied.
func (r Reads) Run(tb testing.TB, cases []Case) {
	tb.Helper()
	edge := access.HTTP(r.Verifier, r.Handler)
	for _, c := range cases {
		for _, via := range []string{"nats", "http"} {
			before := AuditHead(tb, r.JS)
			var status int
			var body []byte
			want := c.Status
			if via == "nats" {
				msg := Request(tb, r.NC, c.Token, c.Purpose, c.Subject, c.Body)
				status, body = Status(tb, msg), msg.Data
			} else {
				req := httptest.NewRequest(http.MethodGet, c.URL, nil)
				if c.Token != "" {
					req.Header.Set("Authorization", "Bearer "+c.Token)
				}
				if c.Purpose != "" {
					req.Header.Set(access.HeaderPurpose, c.Purpose)
				}
				rec := httptest.NewRecorder()
				edge.ServeHTTP(rec, req)
				status, body = rec.Code, rec.Body.Bytes()
				if c.HTTPStatus != 0 {
					want = c.HTTPStatus
				}
			}
			if status != want {
				tb.Errorf("%s over %s: %d, want %d: %.300s", c.Name, via, status, want, body)
				continue
			}
			if status == http.StatusOK && c.Check != nil {
				c.Check(tb, body)
			}
			recs := AuditSince(tb, r.JS, before)
			switch {
			case c.Audit == nil && len(recs) != 0:
				tb.Errorf("%s over %s: audited %+v, want nothing", c.Name, via, recs)
			case c.Audit != nil && len(recs) != 1:
				tb.Errorf("%s over %s: %d audit records %+v, want one", c.Name, via, len(recs), recs)
			case c.Audit != nil:
				rec := recs[0]
				got := Want{rec.Subject, rec.Purpose, rec.Operation, rec.Kind, rec.Resource, rec.Outcome}
				if got != *c.Audit || rec.Service != r.Service || rec.Action != string(access.Read) || (rec.Outcome == audit.Denied) != (rec.Reason != "") {
					tb.Errorf("%s over %s: audited %+v, want %+v by %s", c.Name, via, rec, *c.Audit, r.Service)
				}
			}
		}
	}
}

// Cast is the principals the services' access tests share: two
// coordinators (neither assigned anything yet), an analyst of 3301, an
// administrator, and integrations granted 3301's aggregates and 3301's
// bundle.
type Cast struct {
	Kari, Per, Anders, Admin, EHRArea, EHRBundle access.Principal
}

// People returns the Cast, new each time (so a test may change its copy).
func People() Cast {
	return Cast{
		Kari:      access.Principal{Subject: "usr:kari", Role: access.Coordinator},
		Per:       access.Principal{Subject: "usr:per", Role: access.Coordinator},
		Anders:    access.Principal{Subject: "usr:anders", Role: access.Analyst, Municipality: "3301"},
		Admin:     access.Principal{Subject: "usr:ada", Role: access.Admin},
		EHRArea:   access.Principal{Subject: "tok:ehr-area", Role: access.Integration, Grants: []string{"area.3301.read"}},
		EHRBundle: access.Principal{Subject: "tok:ehr-bundle", Role: access.Integration, Grants: []string{"bundle.3301.read"}},
	}
}
