// Package query is what the read-side services (graph, gap) share to
// answer queries over NATS micro and HTTP: a typed refusal naming the field
// at fault, strict JSON decoding of a query, the HTTP status of an error,
// and its RFC 9457 problem body.
package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Error is a refused query; Code is "invalid" or "not-found".
type Error struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrNotFound and ErrInvalid match *Error by code with errors.Is.
var (
	ErrNotFound = &Error{Code: "not-found"}
	ErrInvalid  = &Error{Code: "invalid"}
)

// Is matches errors of the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Invalid refuses a query because of field (may be empty for the whole
// query).
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound refuses a query whose field names something unknown.
func NotFound(field, format string, args ...any) *Error {
	return &Error{Code: "not-found", Field: field, Message: fmt.Sprintf(format, args...)}
}

// Unavailable refuses a query that cannot be answered now (503), for
// instance while no instance serves the partition it asks about.
func Unavailable(format string, args ...any) *Error {
	return &Error{Code: "unavailable", Message: fmt.Sprintf(format, args...)}
}

// Remote is another instance's refusal, relayed with its status.
type Remote struct {
	Status int
	Err    *Error
}

func (r *Remote) Error() string { return r.Err.Error() }

// Status returns the HTTP status of err and the refusal to show for it:
// 404 for not-found, 503 for unavailable, 400 for another *Error, 401, 403
// or 503 for a refusal of package access, a *Remote's own status, and 500
// with a message that reveals nothing for any other error.
func Status(err error) (int, *Error) {
	if st, code, ok := access.Status(err); ok {
		return st, &Error{Code: code, Message: err.Error()}
	}
	var r *Remote
	if errors.As(err, &r) && r.Status >= 400 && r.Status <= 599 {
		return r.Status, r.Err
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "not-found":
			return http.StatusNotFound, e
		case "unavailable":
			return http.StatusServiceUnavailable, e
		}
		return http.StatusBadRequest, e
	}
	return http.StatusInternalServerError, &Error{Code: "internal", Message: "the query could not be answered"}
}

// Decode decodes a JSON query strictly: unknown fields and trailing data
// are refused as invalid.
func Decode[Q any](body []byte) (Q, error) {
	var q Q
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return q, Invalid("", "query is not valid JSON of its kind: %v", err)
	}
	if dec.More() {
		return q, Invalid("", "query is not valid JSON of its kind: data after the query")
	}
	return q, nil
}

// Handler answers a micro request with f: the request's data decoded as
// Q, the answer as JSON, or an error whose Nats-Service-Error-Code is the
// HTTP status and whose body is the *Error. f gets the principal of the
// request's assertion, verified by v, in its context (none when v is nil
// or the request has no assertion: the service's guard refuses it). With a
// tracer provider in ctx (telemetry.WithTracerProvider), each request is a
// server span, child of the trace context in its headers, and f gets the
// span's context.
func Handler[Q, A any](ctx context.Context, v *access.Verifier, f func(context.Context, Q) (A, error)) micro.Handler {
	return telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		var err error
		if v != nil {
			ctx, err = v.FromHeaders(ctx, req.Headers())
		}
		var q Q
		if err == nil {
			q, err = Decode[Q](req.Data())
		}
		var ans A
		if err == nil {
			ans, err = f(ctx, q)
		}
		if err != nil {
			st, e := Status(err)
			body, _ := json.Marshal(e)
			_ = req.Error(strconv.Itoa(st), e.Error(), body)
			return
		}
		_ = req.RespondJSON(ans)
	})
}

// WriteError writes err as an RFC 9457 problem with its status.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	st, e := Status(err)
	problem.Write(w, r, problem.New(st, e.Code, e.Field, e.Message))
}

// WriteJSON writes v as a JSON answer.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Params reads the request's query parameters into strings, dates,
// instants (RFC 3339, or a date meaning the end of that day) and whole
// numbers, refusing unknown parameters and malformed values by name.
func Params(r *http.Request, into map[string]any) error {
	for name, vals := range r.URL.Query() {
		dst, ok := into[name]
		if !ok {
			return Invalid(name, "unknown query parameter")
		}
		v := vals[0]
		switch p := dst.(type) {
		case *string:
			*p = v
		case *date.Date:
			d, err := date.Parse(v)
			if err != nil {
				return Invalid(name, "%v", err)
			}
			*p = d
		case *time.Time:
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				d, derr := date.Parse(v)
				if derr != nil {
					return Invalid(name, "want an RFC 3339 time or a date: %v", err)
				}
				t = d.Time().Add(24*time.Hour - time.Nanosecond) // a date means "by the end of that day"
			}
			*p = t
		case *int:
			n, err := strconv.Atoi(v)
			if err != nil {
				return Invalid(name, "want a whole number")
			}
			*p = n
		default:
			return fmt.Errorf("query: parameter %q has an unsupported destination %T", name, dst)
		}
	}
	return nil
}
