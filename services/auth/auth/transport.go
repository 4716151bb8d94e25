package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
)

// The NATS subjects the service answers (micro service samspill-auth).
const (
	SubjectPrefix       = "samspill.auth"
	ExchangeSubject     = SubjectPrefix + ".exchange"
	KeySubject          = SubjectPrefix + ".key"
	TokensCreateSubject = SubjectPrefix + ".tokens.create"
	TokensListSubject   = SubjectPrefix + ".tokens.list"
	TokensRevokeSubject = SubjectPrefix + ".tokens.revoke"
	AuditSubject        = SubjectPrefix + ".audit"
	maxBody             = 64 << 10
	contentTypePEM      = "application/x-pem-file"
	contentTypeJSONL    = "application/jsonl"
)

// AddMicro registers the micro service samspill-auth:
//
//	samspill.auth.exchange       {"credential"} → Exchanged (401 if it does not authenticate)
//	samspill.auth.key            → the public key, PEM
//	samspill.auth.tokens.create  TokenSpec → CreatedToken (admin)
//	samspill.auth.tokens.list    {} → TokenList (admin)
//	samspill.auth.tokens.revoke  {"id"} → Revoked (admin)
//	samspill.auth.audit          audit.Query → AuditAnswer (admin)
//
// The administrator's endpoints take the principal from the request's
// Samspill-Assertion header. An error answers with Nats-Service-Error-Code
// the HTTP status and a JSON body {code, field, message}.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: User, Version: MicroVersion,
		Description: "Samspill access: credentials exchanged for assertions, API tokens, the audit trail"})
	if err != nil {
		return nil, fmt.Errorf("auth: add micro service: %w", err)
	}
	key := telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		pem, err := s.PublicKeyPEM()
		if err != nil {
			s.respondError(req, err)
			return
		}
		_ = req.Respond(pem, micro.WithHeaders(micro.Headers{"Content-Type": {contentTypePEM}}))
	})
	for _, e := range []struct {
		name, subject string
		h             micro.Handler
	}{
		{"exchange", ExchangeSubject, handle(ctx, s, false, s.Exchange)},
		{"key", KeySubject, key},
		{"tokens-create", TokensCreateSubject, handle(ctx, s, true, s.CreateToken)},
		{"tokens-list", TokensListSubject, handle(ctx, s, true, func(ctx context.Context, _ struct{}) (*TokenList, error) { return s.ListTokens(ctx) })},
		{"tokens-revoke", TokensRevokeSubject, handle(ctx, s, true, s.RevokeToken)},
		{"audit", AuditSubject, handle(ctx, s, true, s.Audit)},
	} {
		if err := svc.AddEndpoint(e.name, e.h, micro.WithEndpointSubject(e.subject)); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("auth: add endpoint %s: %w", e.name, err)
		}
	}
	// The endpoints answer once the server has their subscriptions.
	if err := nc.Flush(); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("auth: add micro service: %w", err)
	}
	return svc, nil
}

// handle answers a micro request with f: the principal of the request's
// assertion in ctx (when principal is set), the data decoded strictly as
// Q (empty data: {}), the answer as JSON.
func handle[Q, A any](ctx context.Context, s *Service, principal bool, f func(context.Context, Q) (A, error)) micro.Handler {
	return telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		var err error
		if principal {
			ctx, err = s.fromHeaders(ctx, req.Headers())
		}
		var q Q
		if err == nil {
			data := req.Data()
			if len(data) == 0 {
				data = []byte("{}")
			}
			q, err = query.Decode[Q](data)
		}
		var ans A
		if err == nil {
			ans, err = f(ctx, q)
		}
		if err != nil {
			s.respondError(req, err)
			return
		}
		_ = req.RespondJSON(ans)
	})
}

// fromHeaders returns ctx with the principal of a NATS request's
// assertion, checked as Authenticate checks it (so an assertion of a
// revoked token is refused here at once).
func (s *Service) fromHeaders(ctx context.Context, h micro.Headers) (context.Context, error) {
	tok := h.Get(access.HeaderAssertion)
	if tok == "" {
		return ctx, nil
	}
	p, err := s.verifier.Verify(tok)
	if err != nil {
		return ctx, err
	}
	if p.Via == "token" && !s.tokenLive(p.Subject) {
		return ctx, fmt.Errorf("%w: the assertion's API token was revoked or has expired", access.ErrUnauthenticated)
	}
	if p, err = p.WithPurpose(h.Get(access.HeaderPurpose)); err != nil {
		return ctx, fmt.Errorf("%w: %v", access.ErrUnauthenticated, err)
	}
	return access.WithPrincipal(ctx, p), nil
}

func (s *Service) respondError(req micro.Request, err error) {
	st, e := s.status(err)
	body, _ := json.Marshal(e)
	_ = req.Error(strconv.Itoa(st), e.Error(), body)
}

// status returns the HTTP status of err and the refusal to show for it.
func (s *Service) status(err error) (int, *Error) {
	if errors.Is(err, ErrCredential) {
		return http.StatusUnauthorized, &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()}
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e
	}
	st, qe := query.Status(err)
	if st == http.StatusInternalServerError {
		s.logger.Error("request failed", "err", err)
	}
	return st, &Error{Status: st, Code: qe.Code, Field: qe.Field, Message: qe.Message}
}

// Handler serves the service over HTTP (the principal comes from the
// request's context, set by access.HTTP at the edge), with RFC 9457
// problem details on error and Cache-Control: no-store on every answer:
//
//	GET    /v1/auth/key        the public key, PEM (public)
//	POST   /v1/tokens          TokenSpec → 201 CreatedToken (admin)
//	GET    /v1/tokens          TokenList (admin)
//	DELETE /v1/tokens/{id}     Revoked (admin)
//	GET    /v1/audit?from=&to=&subject=&resource=&service=&kind=&outcome=&limit=         AuditAnswer (admin)
//	GET    /v1/audit.csv?…     the records as CSV (audit.CSVColumns)
//	GET    /v1/audit.jsonl?…   the records as JSON Lines
//
// from and to are RFC 3339 times or dates (from the start of the day, to
// its end, in Norway).
func (s *Service) Handler() *query.Routes {
	mux := query.NewRoutes()
	mux.HandleFunc("GET /v1/auth/key", func(w http.ResponseWriter, r *http.Request) {
		pem, err := s.PublicKeyPEM()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", contentTypePEM)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(pem)
	})
	mux.HandleFunc("POST /v1/tokens", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.writeError(w, r, query.Invalid("", "the body could not be read (at most 64 KiB): %v", err))
			return
		}
		spec, err := query.Decode[TokenSpec](body)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := s.CreateToken(r.Context(), spec)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, c)
	})
	mux.HandleFunc("GET /v1/tokens", func(w http.ResponseWriter, r *http.Request) {
		if err := query.Params(r, map[string]any{}); err != nil {
			s.writeError(w, r, err)
			return
		}
		l, err := s.ListTokens(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, l)
	})
	mux.HandleFunc("DELETE /v1/tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		a, err := s.RevokeToken(r.Context(), RevokeRequest{ID: r.PathValue("id")})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, a)
	})
	mux.HandleFunc("GET /v1/audit", func(w http.ResponseWriter, r *http.Request) {
		s.serveAudit(w, r, func(a *AuditAnswer) error { writeJSON(w, http.StatusOK, a); return nil })
	})
	mux.HandleFunc("GET /v1/audit.csv", func(w http.ResponseWriter, r *http.Request) {
		s.serveAudit(w, r, func(a *AuditAnswer) error {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="samspill-audit.csv"`)
			return audit.WriteCSV(w, a.Records)
		})
	})
	mux.HandleFunc("GET /v1/audit.jsonl", func(w http.ResponseWriter, r *http.Request) {
		s.serveAudit(w, r, func(a *AuditAnswer) error {
			w.Header().Set("Content-Type", contentTypeJSONL)
			w.Header().Set("Content-Disposition", `attachment; filename="samspill-audit.jsonl"`)
			return audit.WriteJSONLines(w, a.Records)
		})
	})
	return mux
}

func (s *Service) serveAudit(w http.ResponseWriter, r *http.Request, write func(*AuditAnswer) error) {
	var q audit.Query
	var from, to string
	err := query.Params(r, map[string]any{"from": &from, "to": &to, "subject": &q.Subject, "resource": &q.Resource,
		"service": &q.Service, "kind": &q.Kind, "outcome": &q.Outcome, "limit": &q.Limit})
	if err == nil {
		q.From, err = instant("from", from, false)
	}
	if err == nil {
		q.To, err = instant("to", to, true)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Audit(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := write(a); err != nil {
		s.logger.Error("audit answer not written", "err", err)
	}
}

// instant reads a from or to parameter: an RFC 3339 time, or a date (its
// start, or with end its last instant, in Norway).
func instant(name, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, date.HomeLocation())
	if err != nil {
		return time.Time{}, query.Invalid(name, "want an RFC 3339 time or a date (YYYY-MM-DD)")
	}
	if end {
		d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	return d, nil
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st, e := s.status(err)
	w.Header().Set("Cache-Control", "no-store")
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samspill"`)
	}
	problem.Write(w, r, problem.New(st, e.Code, e.Field, e.Message))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
