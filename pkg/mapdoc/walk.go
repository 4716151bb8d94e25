package mapdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/nationalid"
)

// uuidShape is a canonical lower-case UUID.
var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Limits of Parse.
const (
	// MaxSize is the largest file Parse reads: 32 MiB.
	MaxSize = 32 << 20
	// MaxDepth is the deepest nesting of objects and arrays Parse accepts.
	// A bundle needs 7 levels; the rest is room for extensions.
	MaxDepth = 64
	// MaxProblems is the most problems a ValidationError lists.
	MaxProblems = 50
)

// frame is an object or array being read.
type frame struct {
	obj     bool
	m       map[string]any
	a       []any
	key     string // object: the property being read
	wantKey bool   // object: the next token is a property name or '}'
	ext     bool   // inside an "x-" extension
}

// scan is the result of reading a file token by token.
type scan struct {
	root       any       // the document, decoded as jsonschema expects (json.Number)
	syntax     collector // ClassJSON problems
	nationalID collector // ClassNationalID problems
	fractional []path    // numbers with a fraction or exponent outside extensions
}

// read checks that b is well-formed JSON within the limits of the package
// and decodes it, collecting the problems of the JSON class and, for later,
// those of the national-id class (every property name, string and number
// literal) and the numbers that cannot be whole numbers.
func read(b []byte) *scan {
	s := &scan{}
	if !utf8.Valid(b) {
		off := 0
		for off < len(b) {
			r, n := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		s.syntax.addAt("", "not valid UTF-8 (byte offset %d)", off)
		return s
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []frame
	haveRoot := false

	// here is the path of the value (or property name) being read.
	here := func() path {
		p := make(path, 0, len(stack))
		for i := range stack {
			f := &stack[i]
			switch {
			case !f.obj:
				p = append(p, strconv.Itoa(len(f.a)))
			case !f.wantKey || i < len(stack)-1:
				p = append(p, f.key)
			}
		}
		return p
	}
	inExtension := func() bool {
		if len(stack) == 0 {
			return false
		}
		f := &stack[len(stack)-1]
		return f.ext || f.obj && strings.HasPrefix(f.key, "x-")
	}
	attach := func(v any) {
		if len(stack) == 0 {
			s.root, haveRoot = v, true
			return
		}
		f := &stack[len(stack)-1]
		if f.obj {
			f.m[f.key] = v
			f.wantKey = true
		} else {
			f.a = append(f.a, v)
		}
	}
	checkID := func(v string, what string) {
		// A canonical UUID is an id, not a number a person is known by,
		// though its hex digits can look like one (about one random UUID
		// in a few thousand).
		if uuidShape.MatchString(v) {
			return
		}
		if m, ok := nationalid.Contains(v); ok {
			s.nationalID.add(here(), "%slooks like a %s; national identity numbers must not be stored — use a pseudonymous id", what, m.Kind)
		}
	}

	for {
		tok, err := dec.Token()
		if haveRoot {
			switch {
			case err == io.EOF:
				return s
			case err != nil:
				s.syntax.addAt("", "malformed JSON after the top-level value (byte offset %d): %s", dec.InputOffset(), syntaxMessage(err))
			default:
				s.syntax.addAt("", "more than one top-level value (byte offset %d)", dec.InputOffset())
			}
			return s
		}
		if err == io.EOF {
			if len(stack) == 0 {
				s.syntax.addAt("", "empty file: want a JSON object")
			} else {
				s.syntax.add(here(), "unexpected end of the file (truncated?) at byte offset %d", len(b))
			}
			return s
		}
		if err != nil {
			s.syntax.add(here(), "malformed JSON at byte offset %d: %s", dec.InputOffset(), syntaxMessage(err))
			return s
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			f := &stack[n-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				attach(f.m)
				continue
			}
			key := tok.(string) // the decoder allows nothing else here
			f.key, f.wantKey = key, false
			if _, dup := f.m[key]; dup {
				s.syntax.add(here(), "duplicate property name")
			}
			f.m[key] = nil
			checkID(key, "property name ")
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= MaxDepth {
					s.syntax.add(here(), "nested deeper than %d levels", MaxDepth)
					return s
				}
				f := frame{obj: v == '{', ext: inExtension()}
				if f.obj {
					f.m, f.wantKey = map[string]any{}, true
				} else {
					f.a = []any{}
				}
				stack = append(stack, f)
			case ']':
				f := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				attach(f.a)
			}
		case string:
			checkID(v, "")
			attach(v)
		case json.Number:
			checkID(string(v), "number ")
			if strings.ContainsAny(string(v), ".eE") && !inExtension() {
				s.fractional = append(s.fractional, here())
			}
			attach(v)
		default: // bool, nil
			attach(v)
		}
	}
}

// syntaxMessage returns the decoder's description of a syntax error. It
// quotes at most the one offending character, never a value.
func syntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of the file"
	}
	return "unreadable"
}

// order returns, for the given JSON pointers, the position in b (in
// document order) of the value each points to; pointers to nothing are
// absent from the result. b must be well-formed.
func order(b []byte, want map[string]bool) map[string]int {
	out := make(map[string]int, len(want))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type fr struct {
		obj     bool
		n       int
		wantKey bool
	}
	var stack []fr
	var cur path
	n := 0
	visit := func() {
		if len(out) < len(want) {
			if p := cur.String(); want[p] {
				if _, seen := out[p]; !seen {
					out[p] = n
				}
			}
		}
		n++
	}
	done := func() { // a value ended: move to the next sibling
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		cur = cur[:len(cur)-1]
		if f.obj {
			f.wantKey = true
		} else {
			f.n++
			cur = cur.index(f.n)
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				done()
				continue
			}
			stack[len(stack)-1].wantKey = false
			cur = cur.key(tok.(string))
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				visit()
				stack = append(stack, fr{obj: true, wantKey: true})
			case '[':
				visit()
				stack = append(stack, fr{})
				cur = cur.index(0)
			case ']':
				stack = stack[:len(stack)-1]
				cur = cur[:len(cur)-1]
				done()
			}
			continue
		}
		visit()
		done()
	}
}
