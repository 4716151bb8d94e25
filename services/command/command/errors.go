package command

import (
	"errors"
	"fmt"
	"strings"

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

// Error is a rejected command. Nothing was written.
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
// other error is returned as it is.
func accessError(err error) error {
	_, code, ok := access.Status(err)
	if !ok {
		return err
	}
	return &Error{Code: Code(code), Message: strings.TrimPrefix(err.Error(), "access: "), cause: err}
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
