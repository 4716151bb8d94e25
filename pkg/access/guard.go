package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/samspill/samspill/pkg/audit"
)

// ErrUnauthenticated is the error of a request that names no principal,
// or one that does not verify.
var ErrUnauthenticated = errors.New("access: sign in first: the request names no principal (an assertion over NATS, a bearer token over HTTP)")

// ErrAuditUnavailable is the error of a request that was allowed but could
// not be audited: it is not served.
var ErrAuditUnavailable = errors.New("access: the audit trail cannot be written; the request is not served")

// Status returns the HTTP status and problem code of an access error, and
// false for any other error.
func Status(err error) (status int, code string, ok bool) {
	var d *Denied
	switch {
	case errors.As(err, &d):
		return http.StatusForbidden, "forbidden", true
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrAssertion):
		return http.StatusUnauthorized, "unauthenticated", true
	case errors.Is(err, ErrAuditUnavailable):
		return http.StatusServiceUnavailable, "unavailable", true
	}
	return 0, "", false
}

// Recorder stores audit records; *audit.Writer is one.
type Recorder interface {
	Write(ctx context.Context, r audit.Record) error
}

// Guard applies the rules in one service and audits its decisions.
type Guard struct {
	recorder Recorder
	assigned func(mapID, subject string) bool
	catchUp  func(context.Context) error
	logger   *slog.Logger
}

// WithCatchUp makes the guard, before it refuses a coordinator a map that
// is not assigned to them, call catchUp (wait until the service's read
// side has applied the log up to its present end) and ask again: a
// coordinator who has just opened a map, or been granted one, is not
// refused (and recorded as refused) because the read side is a moment
// behind. See CatchUp.
func (g *Guard) WithCatchUp(catchUp func(context.Context) error) *Guard {
	g.catchUp = catchUp
	return g
}

// CatchUpWait bounds how long a guard waits for its read side.
const CatchUpWait = 2 * time.Second

// CatchUp is a catch-up function for WithCatchUp: it reads the log's
// present end with head and waits, at most CatchUpWait, until position
// (what the service's projection has applied) reaches it.
func CatchUp(head func(context.Context) (uint64, error), position func() uint64) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, CatchUpWait)
		defer cancel()
		end, err := head(ctx)
		if err != nil {
			return err
		}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for position() < end {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
		return nil
	}
}

// NewGuard returns a guard that records with recorder and asks assigned
// whether a map is assigned to a subject (the service's projection:
// projection.Store.Assigned). logger may be nil.
func NewGuard(recorder Recorder, assigned func(mapID, subject string) bool, logger *slog.Logger) *Guard {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{recorder: recorder, assigned: assigned, logger: logger}
}

// Check decides whether the principal ctx carries may do a to r in the
// operation named (a query or command name, for the audit trail). It
// returns the principal when allowed; otherwise ErrUnauthenticated, a
// *Denied, or ErrAuditUnavailable. Every decision about a map or an area,
// every refusal and every administrative act is written to the audit
// trail before Check returns; reading the directory or one's own list of
// maps is not.
func (g *Guard) Check(ctx context.Context, operation string, a Action, r Resource) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	assigned := false
	if r.Kind == KindMap && p.Role == Coordinator && g.assigned != nil {
		assigned = g.assigned(r.ID, p.Subject)
		if !assigned && g.catchUp != nil && (a == Read || a == Write || a == Erase) {
			if err := g.catchUp(ctx); err == nil {
				assigned = g.assigned(r.ID, p.Subject)
			}
		}
	}
	decision := Decide(p, a, r, assigned)
	if decision == nil && !audited(a, r) {
		return p, nil
	}
	rec := audit.Record{Subject: p.Subject, Role: string(p.Role), Via: p.Via, Purpose: string(p.Purpose),
		Operation: operation, Action: string(a), Kind: string(r.Kind), Resource: recordable(r), Outcome: audit.Allowed}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		rec.TraceID = sc.TraceID().String()
	}
	var d *Denied
	if errors.As(decision, &d) {
		rec.Outcome, rec.Reason = audit.Denied, d.Reason
		if !subjectPattern.MatchString(rec.Subject) {
			rec.Subject = "invalid"
		}
	}
	if err := g.recorder.Write(ctx, rec); err != nil {
		g.logger.Error("audit write failed", "operation", operation, "kind", r.Kind, "err", err)
		if decision != nil {
			return p, decision
		}
		return p, fmt.Errorf("%w: %w", ErrAuditUnavailable, err)
	}
	if decision != nil {
		g.logger.Warn("access denied", "operation", operation, "subject", rec.Subject, "role", p.Role, "kind", r.Kind, "reason", rec.Reason)
		return p, decision
	}
	return p, nil
}

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	tokenIDShape = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// recordable is r's id as the audit trail may keep it: a map id that is a
// UUID, a municipality of four digits, a token id; anything else a client
// sent (which could hold a name or a national identity number) is recorded
// as "invalid".
func recordable(r Resource) string {
	switch {
	case r.ID == "":
		return ""
	case r.Kind == KindMap && uuidPattern.MatchString(r.ID),
		(r.Kind == KindArea || r.Kind == KindBundle) && municipalityPattern.MatchString(r.ID),
		r.Kind == KindTokens && tokenIDShape.MatchString(r.ID):
		return r.ID
	}
	return "invalid"
}

// audited reports whether an allowed action on r is written to the audit
// trail: everything but reading the directory and the list of maps.
func audited(a Action, r Resource) bool {
	return !(a == Read && (r.Kind == KindDirectory || r.Kind == KindMaps))
}
