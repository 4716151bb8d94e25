package dot

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Attr is one attribute: a key and a value. Make it with [Str], [Num],
// [Int], [Bool], [Point] or [HTMLAttr].
type Attr struct {
	key string
	val value
}

// Key returns the attribute's key.
func (a Attr) Key() string { return a.key }

// valueKind is how a value is written.
type valueKind int

const (
	valueString valueKind = iota // "escaped"
	valueHTML                    // <already built and escaped>
	valueBad                     // refused when written; s says why
)

type value struct {
	kind valueKind
	s    string
}

func (v value) write(w *writer) error {
	switch v.kind {
	case valueHTML:
		w.buf.WriteString("<" + v.s + ">")
		return nil
	case valueBad:
		return errors.New(v.s)
	}
	return w.quoted(v.s)
}

// Str is an attribute with a string value, quoted and escaped when
// written.
func Str(key, value string) Attr { return Attr{key, stringValue(value)} }

func stringValue(s string) value { return value{valueString, s} }

// Num is an attribute with a number, written with at most three decimals
// and no exponent. NaN and ±Inf are refused when the graph is written.
func Num(key string, x float64) Attr {
	s, err := FormatNum(x)
	if err != nil {
		return Attr{key, value{valueBad, err.Error()}}
	}
	return Attr{key, stringValue(s)}
}

// Int is an attribute with an integer.
func Int(key string, n int) Attr { return Attr{key, stringValue(strconv.Itoa(n))} }

// Bool is an attribute with true or false.
func Bool(key string, b bool) Attr { return Attr{key, stringValue(strconv.FormatBool(b))} }

// Point is an attribute with a point "x,y", as pos takes it; pinned adds
// the "!" that tells neato and fdp to keep the node there.
func Point(key string, x, y float64, pinned bool) Attr {
	xs, err1 := FormatNum(x)
	ys, err2 := FormatNum(y)
	if err := errors.Join(err1, err2); err != nil {
		return Attr{key, value{valueBad, err.Error()}}
	}
	s := xs + "," + ys
	if pinned {
		s += "!"
	}
	return Attr{key, stringValue(s)}
}

// HTMLAttr is an attribute with an HTML-like value (label=<…>), made by
// [HTMLLabel]. The zero HTML is written as <>, an empty label.
func HTMLAttr(key string, h HTML) Attr { return Attr{key, value{valueHTML, h.s}} }

// FormatNum formats x as Num writes it: rounded to three decimals, without
// exponent or trailing zeros, -0 as 0. It returns an error for NaN and
// ±Inf.
func FormatNum(x float64) (string, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "", fmt.Errorf("not a finite number")
	}
	r := math.Round(x*1000) / 1000
	if r == 0 {
		r = 0 // drops the sign of -0
	}
	return strconv.FormatFloat(r, 'f', -1, 64), nil
}

// validKey reports whether k is a plain DOT identifier, as every Graphviz
// attribute name is.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// sortAttrs returns the attributes sorted by key, refusing invalid and
// repeated keys.
func sortAttrs(attrs []Attr) ([]Attr, error) {
	sorted := slices.Clone(attrs)
	for i, a := range sorted {
		if !validKey(a.key) {
			return nil, fmt.Errorf("attribute %d: key is not a plain identifier", i+1)
		}
	}
	slices.SortStableFunc(sorted, func(x, y Attr) int { return cmp.Compare(x.key, y.key) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].key == sorted[i-1].key {
			return nil, fmt.Errorf("key %s given twice", sorted[i].key)
		}
	}
	return sorted, nil
}

// checkString returns why s cannot be written, or nil.
func checkString(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return fmt.Errorf("control character U+%04X at byte %d", r, i)
		case r == 0xFFFE || r == 0xFFFF:
			return fmt.Errorf("non-character U+%04X at byte %d", r, i)
		}
	}
	return nil
}

// CheckString reports whether s can be written as a DOT id or value: nil,
// or an error wrapping [ErrInvalid] saying why not (without quoting s).
func CheckString(s string) error {
	if err := checkString(s); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// escape escapes s for the inside of a DOT quoted string.
func escape(s string) string {
	if !strings.ContainsAny(s, "\\\"\n\r&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
