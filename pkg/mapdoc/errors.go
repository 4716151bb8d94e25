package mapdoc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/nationalid"
)

// Class is the class of check that refused a document, in the order Parse
// runs them.
type Class string

// The classes of check.
const (
	ClassJSON       Class = "json"        // size, UTF-8, syntax, duplicate names, depth
	ClassSchema     Class = "schema"      // the JSON Schema
	ClassReferences Class = "references"  // ids and references between actors and the directory
	ClassDates      Class = "dates"       // order of dates, nothing after asOf
	ClassNationalID Class = "national-id" // national identity numbers
)

var classNouns = map[Class]string{
	ClassJSON:       "JSON",
	ClassSchema:     "schema",
	ClassReferences: "reference",
	ClassDates:      "date",
	ClassNationalID: "national-id",
}

// Problem is one reason a document was refused.
type Problem struct {
	// Path is a JSON pointer (RFC 6901) to the offending value, "" for the
	// whole document. For a missing property it points where the property
	// should be. Digits of a national identity number inside a property
	// name are replaced by '*'.
	Path string
	// Message says what is wrong without quoting values from the document.
	Message string
}

func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(document)"
	}
	return path + ": " + p.Message
}

// ValidationError is returned by Parse for a document that fails a check.
// It lists every problem of the first class that found any, up to
// MaxProblems, in document order. A command exits with status 2 on it.
type ValidationError struct {
	// Class is the check that refused the document.
	Class Class
	// Kind is "map document", "bundle" or "document" when the schema field
	// could not be read.
	Kind     string
	problems []Problem
	total    int
}

// Problems returns the problems listed (at most MaxProblems).
func (e *ValidationError) Problems() []Problem { return slices.Clone(e.problems) }

// Total returns the number of problems found, which exceeds
// len(Problems()) when the list was cut at MaxProblems.
func (e *ValidationError) Total() int { return e.total }

// Error lists the problems, one a line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	n := "problems"
	if e.total == 1 {
		n = "problem"
	}
	fmt.Fprintf(&b, "invalid %s: %d %s %s", e.Kind, e.total, classNouns[e.Class], n)
	for _, p := range e.problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if more := e.total - len(e.problems); more > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", more)
	}
	return b.String()
}

// path is a JSON pointer under construction: its reference tokens.
type path []string

func (p path) key(k string) path { return append(p[:len(p):len(p)], k) }

func (p path) index(i int) path { return p.key(strconv.Itoa(i)) }

// String renders p as a JSON pointer, escaping '~' and '/' and masking the
// digits of any national identity number in a token.
func (p path) String() string {
	var b strings.Builder
	for _, tok := range p {
		b.WriteByte('/')
		tok = nationalid.Mask(tok)
		tok = strings.ReplaceAll(tok, "~", "~0")
		b.WriteString(strings.ReplaceAll(tok, "/", "~1"))
	}
	return b.String()
}

// collector gathers the problems of one class.
type collector struct {
	problems []Problem
}

func (c *collector) add(p path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: p.String(), Message: fmt.Sprintf(format, args...)})
}

func (c *collector) addAt(ptr string, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: ptr, Message: fmt.Sprintf(format, args...)})
}

func (c *collector) empty() bool { return len(c.problems) == 0 }

// validationError cuts the problems at MaxProblems.
func validationError(class Class, kind string, problems []Problem) *ValidationError {
	e := &ValidationError{Class: class, Kind: kind, total: len(problems)}
	if len(problems) > MaxProblems {
		problems = problems[:MaxProblems]
	}
	e.problems = slices.Clone(problems)
	return e
}
