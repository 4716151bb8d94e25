package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/netfile"
)

// Limits of one read of the trail.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// clockSlack is how far a record's own time (the writer's clock) may lie
// before the time JetStream stored it: a read stops once the stored time
// passes Query.To by more than this.
const clockSlack = time.Minute

// Query selects records of the trail. Every field is optional; the fields
// given must all match.
type Query struct {
	// From and To bound the record's time, both inclusive (zero: open).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Subject is the principal's pseudonymous subject, Resource the id of
	// the resource (a map id or a municipality).
	Subject  string `json:"subject,omitempty"`
	Resource string `json:"resource,omitempty"`
	// Service, Kind and Outcome select by the record's NATS subject, so
	// that only those records are read from the stream.
	Service string `json:"service,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	// Limit is the most records returned, the first ones in the stream's
	// order (default DefaultLimit, at most MaxLimit). A read that returns
	// Limit records may have left some out: read on from the last
	// record's time.
	Limit int `json:"limit,omitempty"`
}

// QueryError is a query that cannot be run; Field names the field at
// fault.
type QueryError struct {
	Field   string
	Message string
}

func (e *QueryError) Error() string { return "audit: query: " + e.Field + ": " + e.Message }

// Validate says what is wrong with q, as a *QueryError.
func (q Query) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &QueryError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From):
		return bad("to", "is before from")
	case q.Service != "" && !tokenPattern.MatchString(q.Service):
		return bad("service", "%q is not a service name (a subject token)", q.Service)
	case q.Kind != "" && !tokenPattern.MatchString(q.Kind):
		return bad("kind", "%q is not a kind of resource (a subject token)", q.Kind)
	case q.Outcome != "" && q.Outcome != Allowed && q.Outcome != Denied:
		return bad("outcome", "%q is not %s or %s", q.Outcome, Allowed, Denied)
	case !plain(q.Subject):
		return bad("subject", "at most 200 characters, no control characters")
	case !plain(q.Resource):
		return bad("resource", "at most 200 characters, no control characters")
	case q.Limit < 0 || q.Limit > MaxLimit:
		return bad("limit", "%d is not between 1 and %d (0: %d)", q.Limit, MaxLimit, DefaultLimit)
	}
	return nil
}

func plain(s string) bool {
	if len(s) > 200 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Filter is the NATS subject the query reads: samspill.audit.> narrowed
// by Service, Kind and Outcome.
func (q Query) Filter() string {
	if q.Service == "" && q.Kind == "" && q.Outcome == "" {
		return SubjectPrefix + ".>"
	}
	tok := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return fmt.Sprintf("%s.%s.%s.%s", SubjectPrefix, tok(q.Service), tok(q.Kind), tok(q.Outcome))
}

// Matches reports whether r is selected by q.
func (q Query) Matches(r Record) bool {
	switch {
	case !q.From.IsZero() && r.Time.Before(q.From),
		!q.To.IsZero() && r.Time.After(q.To),
		q.Subject != "" && r.Subject != q.Subject,
		q.Resource != "" && r.Resource != q.Resource,
		q.Service != "" && r.Service != q.Service,
		q.Kind != "" && r.Kind != q.Kind,
		q.Outcome != "" && r.Outcome != q.Outcome:
		return false
	}
	return true
}

// Read returns the records q selects, in the stream's order, at most
// q.Limit. It reads SAMSPILL_AUDIT with an ordered consumer filtered on
// q.Filter(), starting at q.From, and stops at the last record stored
// when it began (or when a record was stored after q.To), so that it
// returns even while services keep writing. A message of the stream that
// is not a record is an error naming its sequence. Without a deadline in
// ctx, the read gives up after a minute.
func Read(ctx context.Context, js jetstream.JetStream, q Query) ([]Record, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	stream, err := js.Stream(ctx, Stream)
	if err != nil {
		return nil, fmt.Errorf("audit: read: stream %s: %w", Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: read: stream %s: %w", Stream, err)
	}
	last := info.State.LastSeq
	out := []Record{}
	if info.State.Msgs == 0 || (!q.To.IsZero() && info.State.FirstTime.After(q.To.Add(clockSlack))) {
		return out, nil
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{q.Filter()}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !q.From.IsZero() {
		from := q.From
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &from
	}
	cons, err := stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit: read: consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(min(q.Limit, 500)))
	if err != nil {
		return nil, fmt.Errorf("audit: read: consumer: %w", err)
	}
	defer it.Stop()
	ci := cons.CachedInfo()
	if ci == nil {
		if ci, err = cons.Info(ctx); err != nil {
			return nil, fmt.Errorf("audit: read: consumer: %w", err)
		}
	}
	if ci.NumPending == 0 {
		return out, nil
	}
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("audit: read: after %d records: %w", len(out), err)
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, fmt.Errorf("audit: read: metadata: %w", err)
		}
		if !q.To.IsZero() && md.Timestamp.After(q.To.Add(clockSlack)) {
			return out, nil
		}
		var r Record
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			return nil, fmt.Errorf("audit: read: message %d (%s) is not a record: %w", md.Sequence.Stream, m.Subject(), err)
		}
		if q.Matches(r) {
			out = append(out, r)
			if len(out) == q.Limit {
				return out, nil
			}
		}
		if md.Sequence.Stream >= last || md.NumPending == 0 {
			return out, nil
		}
	}
}

// CSVColumns are the columns of WriteCSV, in order.
var CSVColumns = []string{"id", "time", "service", "subject", "role", "via", "purpose", "operation", "action", "kind", "resource", "outcome", "reason", "traceId"}

// WriteCSV writes records as CSV with a header row of CSVColumns, through
// netfile.WriteCSV: RFC 4180, CRLF, and every cell a spreadsheet would
// take as a formula defused.
func WriteCSV(w io.Writer, records []Record) error {
	rows := make([][]string, 0, len(records)+1)
	rows = append(rows, CSVColumns)
	for _, r := range records {
		rows = append(rows, []string{r.ID, r.Time.UTC().Format(time.RFC3339Nano), r.Service, r.Subject, r.Role, r.Via, r.Purpose,
			r.Operation, r.Action, r.Kind, r.Resource, r.Outcome, r.Reason, r.TraceID})
	}
	if err := netfile.WriteCSV(w, rows); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// WriteJSONLines writes records as JSON Lines: one record, as the stream
// holds it, per line.
func WriteJSONLines(w io.Writer, records []Record) error {
	enc := json.NewEncoder(w)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("audit: write JSON lines: %w", err)
		}
	}
	return nil
}
