// Package audit is Samspill's audit trail: who read or wrote what, when,
// and why, kept in its own JetStream stream (SAMSPILL_AUDIT) that nobody may
// delete from or purge.
//
// The services write one Record for every read and write of a citizen map,
// every refusal, and every administrative act (package access decides and
// records; the services call it before they answer). A record names the
// principal by their pseudonymous subject and the resource by its id;
// never a name or any other personal field, so that the trail needs no
// erasure when a map is erased and can be handed to a supervisor as it is.
// The access service reads and exports it for administrators.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// The stream and its subjects: samspill.audit.<service>.<kind>.<outcome>,
// so that one service's records, one kind of resource, or refusals only
// can be followed (e.g. samspill.audit.*.*.denied).
const (
	Stream        = "SAMSPILL_AUDIT"
	SubjectPrefix = "samspill.audit"
)

// Outcomes of a decision.
const (
	Allowed = "allowed"
	Denied  = "denied"
)

// Record is one entry of the audit trail.
type Record struct {
	// ID is a version-7 UUID, also the message id (Nats-Msg-Id), so a
	// retried write is stored once.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Service is the service that decided: command, graph, gap, picture,
	// access.
	Service string `json:"service"`
	// Who: the principal's pseudonymous subject, role and how they signed
	// in.
	Subject string `json:"subject"`
	Role    string `json:"role"`
	Via     string `json:"via,omitempty"`
	// Why: the purpose of use (HL7 PurposeOfUse code).
	Purpose string `json:"purpose,omitempty"`
	// What: the operation (a query or command name), the action, the kind
	// of resource and its id (a map id or a municipality).
	Operation string `json:"operation"`
	Action    string `json:"action"`
	Kind      string `json:"kind"`
	Resource  string `json:"resource,omitempty"`
	// Outcome is allowed or denied; Reason says why a request was denied.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// TraceID joins the record to the request's trace.
	TraceID string `json:"traceId,omitempty"`
}

var tokenPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// NATSSubject is the subject the record is stored under.
func (r Record) NATSSubject() string {
	return fmt.Sprintf("%s.%s.%s.%s", SubjectPrefix, r.Service, r.Kind, r.Outcome)
}

// Validate says what is wrong with r, naming the field.
func (r Record) Validate() error {
	switch {
	case r.ID == "":
		return errors.New("audit: record: id is missing")
	case r.Time.IsZero():
		return errors.New("audit: record: time is missing")
	case !tokenPattern.MatchString(r.Service):
		return fmt.Errorf("audit: record: service %q is not a subject token", r.Service)
	case !tokenPattern.MatchString(r.Kind):
		return fmt.Errorf("audit: record: kind %q is not a subject token", r.Kind)
	case r.Outcome != Allowed && r.Outcome != Denied:
		return fmt.Errorf("audit: record: outcome %q is not allowed or denied", r.Outcome)
	case r.Operation == "" || r.Action == "":
		return errors.New("audit: record: operation and action are required")
	}
	return nil
}

// StreamConfig is the audit stream: file storage, kept for maxAge (zero:
// for ever), nothing deleted or purged through the API.
func StreamConfig(replicas int, maxAge time.Duration) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:        Stream,
		Description: "Samspill audit trail: who read or wrote which map or area, when and why (package audit)",
		Subjects:    []string{SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      maxAge,
		Replicas:    replicas,
		Duplicates:  2 * time.Minute,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
}

// EnsureStream creates the audit stream or brings its configuration up to
// date. Only the access service (and tests) call it; the other services
// only publish to it.
func EnsureStream(ctx context.Context, js jetstream.JetStream, replicas int, maxAge time.Duration) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, StreamConfig(replicas, maxAge))
	if err != nil {
		return nil, fmt.Errorf("audit: stream %s: %w", Stream, err)
	}
	return s, nil
}

// Writer appends records to the audit stream, waiting for JetStream to
// acknowledge each: a record is stored before the request it audits is
// answered.
type Writer struct {
	js      jetstream.JetStream
	service string
	now     func() time.Time
}

// NewWriter returns a writer for service (its records' Service); now is the
// clock (nil: time.Now).
func NewWriter(js jetstream.JetStream, service string, now func() time.Time) *Writer {
	if now == nil {
		now = time.Now
	}
	return &Writer{js: js, service: service, now: now}
}

// Write stores r, filling in its id, time and service when they are empty.
func (w *Writer) Write(ctx context.Context, r Record) error {
	if r.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("audit: id: %w", err)
		}
		r.ID = id.String()
	}
	if r.Time.IsZero() {
		r.Time = w.now().UTC()
	}
	if r.Service == "" {
		r.Service = w.service
	}
	if err := r.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	if _, err := w.js.Publish(ctx, r.NATSSubject(), b, jetstream.WithMsgID(r.ID), jetstream.WithExpectStream(Stream)); err != nil {
		return fmt.Errorf("audit: write %s: %w", r.NATSSubject(), err)
	}
	return nil
}
