package command

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/access"
)

// Code classifies a command error. Codes cross the wire (NATS micro error
// codes, HTTP problem types) and are append-only.
type Code string

// Error codes.
const (
	CodeMalformed  Code = "malformed"   // the command is not valid JSON of its type
	CodeInvalid    Code = "invalid"     // a field breaks the model
	CodeNationalID Code = "national-id" // a field holds a national identity number
	CodeNotFound   Code = "not-found"   // the map, entry, actor or relation does not exist
	CodeConflict   Code = "conflict"    // the aggregate moved on (expectedVersion) or the fact exists
	CodeGone       Code = "gone"        // the map was erased or closed
	CodeInternal   Code = "internal"    // anything else; nothing was written

	// Access: the request names no principal or one that does not verify
	// (401), the principal may not give the command (403), or the
	// decision could not be audited (503). Nothing was written.
	// Unavailable (503) is also JetStream refusing the command's events
	// (its storage is full) or not answering (see storeError).
	CodeUnauthenticated Code = "unauthenticated"
	CodeForbidden       Code = "forbidden"
	CodeUnavailable     Code = "unavailable"
)

// Sentinels for errors.Is, one per code.
var (
	ErrMalformed  = errors.New("malformed command")
	ErrInvalid    = errors.New("invalid command")
	ErrNationalID = errors.New("national identity number in command")
	ErrNotFound   = errors.New("not found")
	ErrConflict   = errors.New("conflict")
	ErrGone       = errors.New("gone")
	ErrInternal   = errors.New("internal error")

	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrUnavailable     = errors.New("unavailable")
)

var sentinels = map[Code]error{
	CodeMalformed: ErrMalformed, CodeInvalid: ErrInvalid, CodeNationalID: ErrNationalID,
	CodeNotFound: ErrNotFound, CodeConflict: ErrConflict, CodeGone: ErrGone, CodeInternal: ErrInternal,
	CodeUnauthenticated: ErrUnauthenticated, CodeForbidden: ErrForbidden, CodeUnavailable: ErrUnavailable,
}

// Error is a rejected command. None of its events was written, save when
// JetStream did not answer in time (code unavailable, and the message
// says so): then they may have been, and the same command sent again
// (the same commandId) is stored once either way.
type Error struct {
	Code Code `json:"code"`
	// Field is the JSON name of the field at fault, if one is.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Version is the aggregate's current version, on conflicts.
	Version uint64 `json:"version,omitempty"`

	// cause is the access error behind an access code (access.ErrUnauthenticated,
	// *access.Denied, access.ErrAuditUnavailable).
	cause error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalid) and friends work, and for an
// access code also errors.Is(err, access.ErrUnauthenticated) and
// errors.As(err, &denied) with a *access.Denied.
func (e *Error) Unwrap() []error {
	out := []error{sentinels[e.Code]}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

// accessError converts an error of package access (access.Status knows
// it) to *Error with code unauthenticated, forbidden or unavailable; any
// other error is returned as it is. An audit record that JetStream
// refused or did not acknowledge is named as such (see jetStreamTrouble).
func accessError(err error) error {
	_, code, ok := access.Status(err)
	if !ok {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "access: ")
	if what, _, ok := jetStreamTrouble(err); ok && errors.Is(err, access.ErrAuditUnavailable) {
		msg = "the decision could not be audited: " + what + "; the command was not executed: send it again, with the same commandId, once JetStream takes writes again"
	}
	return &Error{Code: Code(code), Message: msg, cause: err}
}

// JetStream's error codes (nats-server's errors.json) that mean one of
// its storage limits is reached: the server's (JetStreamMaxStore, or a
// disk the server found full), the account's, or a stream's (MaxBytes or
// MaxMsgs with the discard policy new, which the event log has: it
// refuses rather than forgets).
const (
	codeAccountResourcesExceeded jetstream.ErrorCode = 10002 // resource limits exceeded for account
	codeInsufficientResources    jetstream.ErrorCode = 10023 // insufficient resources
	codeStorageResourcesExceeded jetstream.ErrorCode = 10047 // insufficient storage resources available
	codeStreamStoreFailed        jetstream.ErrorCode = 10077 // {err}: "maximum bytes exceeded", …
)

// jetStreamTrouble says what went wrong when JetStream refused a write or
// did not answer, and whether the write may nevertheless have been
// stored; ok is false for any other error. A refusal stored nothing: a
// single message and an atomic batch are stored whole or not at all. No
// answer in time (or a lost connection) leaves it open whether the write
// was stored; the command id makes a retry safe either way.
func jetStreamTrouble(err error) (what string, uncertain, ok bool) {
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch {
		case api.ErrorCode == codeAccountResourcesExceeded, api.ErrorCode == codeInsufficientResources,
			api.ErrorCode == codeStorageResourcesExceeded,
			api.ErrorCode == codeStreamStoreFailed && strings.HasPrefix(api.Description, "maximum "):
			return fmt.Sprintf("JetStream's storage is full (%s)", api.Description), false, true
		case api.Code == 503:
			return fmt.Sprintf("JetStream is unavailable (%s)", api.Description), false, true
		}
		return "", false, false
	}
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return "JetStream is unavailable (no stream answered)", false, true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining), errors.Is(err, nats.ErrDisconnected):
		return "JetStream did not answer in time", true, true
	}
	return "", false, false
}

// storeError is the *Error of a command that failed on err: unavailable
// (503) when JetStream refused a write or did not answer, saying which
// and what to do; internal otherwise.
func storeError(err error) *Error {
	what, uncertain, ok := jetStreamTrouble(err)
	switch {
	case !ok:
		return &Error{Code: CodeInternal, Message: "the command could not be completed; nothing was written"}
	case uncertain:
		return &Error{Code: CodeUnavailable, Message: what + ", so the command may or may not be stored: send it again, with the same commandId; it is stored once either way"}
	}
	return &Error{Code: CodeUnavailable, Message: what + "; no event of the command was stored: send it again, with the same commandId, once JetStream takes writes again"}
}

func fail(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *Error {
	return fail(CodeInvalid, field, format, args...)
}

func notFound(field, format string, args ...any) *Error {
	return fail(CodeNotFound, field, format, args...)
}
