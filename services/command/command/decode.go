package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/nationalid"
)

// constructors maps every wire name to a constructor of its command.
var constructors = map[Name]func() Command{
	CmdRegisterEntry: func() Command { return new(RegisterEntry) },
	CmdUpdateEntry:   func() Command { return new(UpdateEntry) },
	CmdRetireEntry:   func() Command { return new(RetireEntry) },

	CmdOpenMap:  func() Command { return new(OpenMap) },
	CmdCloseMap: func() Command { return new(CloseMap) },
	CmdEraseMap: func() Command { return new(EraseMap) },

	CmdGrantAccess:  func() Command { return new(GrantAccess) },
	CmdRevokeAccess: func() Command { return new(RevokeAccess) },

	CmdAddActor:    func() Command { return new(AddActor) },
	CmdAssessActor: func() Command { return new(AssessActor) },
	CmdUpdateActor: func() Command { return new(UpdateActor) },
	CmdRemoveActor: func() Command { return new(RemoveActor) },

	CmdAddRelation:    func() Command { return new(AddRelation) },
	CmdUpdateRelation: func() Command { return new(UpdateRelation) },
	CmdEndRelation:    func() Command { return new(EndRelation) },
	CmdRecordContact:  func() Command { return new(RecordContact) },

	CmdOfferCoordinator:   func() Command { return new(OfferCoordinator) },
	CmdAssignCoordinator:  func() Command { return new(AssignCoordinator) },
	CmdDeclineCoordinator: func() Command { return new(DeclineCoordinator) },
	CmdEndCoordinator:     func() Command { return new(EndCoordinator) },

	CmdCreatePlan:       func() Command { return new(CreatePlan) },
	CmdAddPlanMember:    func() Command { return new(AddPlanMember) },
	CmdRemovePlanMember: func() Command { return new(RemovePlanMember) },
	CmdReviewPlan:       func() Command { return new(ReviewPlan) },
	CmdDeclinePlan:      func() Command { return new(DeclinePlan) },
	CmdClosePlan:        func() Command { return new(ClosePlan) },

	CmdRecordParticipation: func() Command { return new(RecordParticipation) },
	CmdRecordConsent:       func() Command { return new(RecordConsent) },
}

// Names lists every command's wire name, sorted.
func Names() []Name {
	out := make([]Name, 0, len(constructors))
	for n := range constructors {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// New returns an empty command of the given wire name.
func New(name Name) (Command, bool) {
	f, ok := constructors[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// MaxCommandSize bounds the JSON of one command.
const MaxCommandSize = 64 << 10

// Decode decodes the JSON body of the named command strictly: unknown
// fields, trailing data, wrong types and oversize bodies are *Error with
// code malformed. It does not validate the content; Service.Execute does.
func Decode(name Name, body []byte) (Command, error) {
	c, ok := New(name)
	if !ok {
		return nil, fail(CodeNotFound, "", "unknown command %q", name)
	}
	if len(body) > MaxCommandSize {
		return nil, fail(CodeMalformed, "", "command is larger than %d bytes", MaxCommandSize)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail(CodeMalformed, "", "trailing data after the command")
	}
	return c, nil
}

func malformed(err error) *Error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fail(CodeMalformed, ute.Field, "want %s, got JSON %s", ute.Type, ute.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fail(CodeMalformed, strings.Trim(f, `"`), "unknown field")
	}
	return fail(CodeMalformed, "", "%s", strings.TrimPrefix(msg, "json: "))
}

// screen refuses a command any of whose strings holds a national identity
// number. The error names the field and the kind of number, never the
// number itself.
func screen(c Command) *Error {
	var found *Error
	walkStrings(reflect.ValueOf(c), "", func(field, v string) bool {
		// A canonical UUID (a command, map, actor or relation id) is an
		// id, not a number a person is known by; its hex digits can look
		// like a CPR number (about one random UUID in a few thousand).
		if event.IsUUID(v) {
			return true
		}
		if err := nationalid.Check(field, v); err != nil {
			var ne *nationalid.Error
			kind := "a national identity number"
			if errors.As(err, &ne) {
				kind = "a " + string(ne.Kind)
			}
			found = fail(CodeNationalID, field, "looks like %s; national identity numbers must never be stored — use the pseudonymous id", kind)
			return false
		}
		return true
	})
	return found
}

// walkStrings calls f with the JSON path and value of every string in v
// until f returns false.
func walkStrings(v reflect.Value, path string, f func(field, v string) bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return true
		}
		return walkStrings(v.Elem(), path, f)
	case reflect.String:
		return f(path, v.String())
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name := sf.Name
			if tag, _, _ := strings.Cut(sf.Tag.Get("json"), ","); tag != "" {
				name = tag
			}
			p := path
			if !sf.Anonymous {
				p = join(path, name)
			}
			if !walkStrings(v.Field(i), p, f) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !walkStrings(v.Index(i), path+"["+strconv.Itoa(i)+"]", f) {
				return false
			}
		}
	}
	return true
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
