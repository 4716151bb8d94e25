package command

import (
	"errors"
	"fmt"
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
)

var sentinels = map[Code]error{
	CodeMalformed: ErrMalformed, CodeInvalid: ErrInvalid, CodeNationalID: ErrNationalID,
	CodeNotFound: ErrNotFound, CodeConflict: ErrConflict, CodeGone: ErrGone, CodeInternal: ErrInternal,
}

// Error is a rejected command. Nothing was written.
type Error struct {
	Code Code `json:"code"`
	// Field is the JSON name of the field at fault, if one is.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Version is the aggregate's current version, on conflicts.
	Version uint64 `json:"version,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalid) and friends work.
func (e *Error) Unwrap() error { return sentinels[e.Code] }

func fail(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *Error {
	return fail(CodeInvalid, field, format, args...)
}

func notFound(field, format string, args ...any) *Error {
	return fail(CodeNotFound, field, format, args...)
}
