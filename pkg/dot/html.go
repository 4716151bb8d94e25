package dot

import (
	"fmt"
	"slices"
	"strings"
)

// HTML is an HTML-like label, escaped and checked: the text between the
// angle brackets of label=<…>. Only [HTMLLabel] makes one.
type HTML struct{ s string }

// String returns the label's markup.
func (h HTML) String() string { return h.s }

// Content is a piece of an HTML-like label: text or an element. Make it
// with [Text], [Break], [Table], [Row], [Cell], [Font], [Bold], [Italic],
// [Strike], [Underline], [Sub], [Sup] or [Element].
type Content interface {
	content() // sealed: only this package's pieces are escaped
}

// HAttr is an attribute of an element of an HTML-like label (BGCOLOR,
// POINT-SIZE …); its value is escaped when written.
type HAttr struct{ Key, Value string }

type text struct{ s string }

func (text) content() {}

type element struct {
	tag      string
	attrs    []HAttr
	children []Content
}

func (*element) content() {}

// Text is text, escaped as XML; each line feed (or CR LF, or CR) becomes
// <BR/>.
func Text(s string) Content { return text{s} }

// Break is a line break, <BR/>.
func Break() Content { return &element{tag: "BR"} }

// Element is an element of Graphviz's HTML-like labels: TABLE, TR, TD,
// FONT, B, I, U, O, S, SUB, SUP, BR, HR, VR or IMG (others are refused by
// HTMLLabel). Attributes are written in the order given.
func Element(tag string, attrs []HAttr, children ...Content) Content {
	return &element{tag: strings.ToUpper(tag), attrs: attrs, children: children}
}

// Table is a TABLE of rows.
func Table(attrs []HAttr, rows ...Content) Content { return Element("TABLE", attrs, rows...) }

// Row is a TR of cells.
func Row(cells ...Content) Content { return Element("TR", nil, cells...) }

// Cell is a TD holding text and inline elements, or one table.
func Cell(attrs []HAttr, children ...Content) Content { return Element("TD", attrs, children...) }

// Font is a FONT element (COLOR, FACE, POINT-SIZE).
func Font(attrs []HAttr, children ...Content) Content { return Element("FONT", attrs, children...) }

// Bold is B.
func Bold(children ...Content) Content { return Element("B", nil, children...) }

// Italic is I.
func Italic(children ...Content) Content { return Element("I", nil, children...) }

// Strike is S: struck-through text.
func Strike(children ...Content) Content { return Element("S", nil, children...) }

// Underline is U.
func Underline(children ...Content) Content { return Element("U", nil, children...) }

// Sub is SUB.
func Sub(children ...Content) Content { return Element("SUB", nil, children...) }

// Sup is SUP.
func Sup(children ...Content) Content { return Element("SUP", nil, children...) }

// inline returns the elements allowed in text.
func inline() []string { return []string{"FONT", "B", "I", "U", "O", "S", "SUB", "SUP", "BR"} }

// HTMLLabel checks and writes an HTML-like label: either one TABLE, or
// text with inline elements (FONT, B, I, U, O, S, SUB, SUP, BR). It
// refuses, with an error wrapping [ErrInvalid], unknown elements,
// misplaced ones (a TD outside a TR, text directly in a TABLE …),
// attribute keys that are not letters, digits and hyphens, and text or
// values that DOT cannot hold (see the package documentation).
func HTMLLabel(c ...Content) (HTML, error) {
	var b strings.Builder
	if len(c) == 1 {
		if e, ok := c[0].(*element); ok && e.tag == "TABLE" {
			if err := writeElement(&b, e, ""); err != nil {
				return HTML{}, fmt.Errorf("%w: HTML label: %v", ErrInvalid, err)
			}
			return HTML{b.String()}, nil
		}
	}
	if err := writeInline(&b, c, "label"); err != nil {
		return HTML{}, fmt.Errorf("%w: HTML label: %v", ErrInvalid, err)
	}
	return HTML{b.String()}, nil
}

// MustHTML is HTMLLabel for labels built from constants; it panics on an
// error, which is a bug in the caller.
func MustHTML(c ...Content) HTML {
	h, err := HTMLLabel(c...)
	if err != nil {
		panic(err)
	}
	return h
}

// writeInline writes text and inline elements.
func writeInline(b *strings.Builder, cs []Content, parent string) error {
	for _, c := range cs {
		switch c := c.(type) {
		case text:
			if err := writeText(b, c.s); err != nil {
				return fmt.Errorf("text in %s: %v", parent, err)
			}
		case *element:
			if !slices.Contains(inline(), c.tag) {
				return fmt.Errorf("%s inside %s: only text and %s may be there", c.tag, parent, strings.Join(inline(), ", "))
			}
			if err := writeElement(b, c, parent); err != nil {
				return err
			}
		case nil:
			return fmt.Errorf("nil content in %s", parent)
		}
	}
	return nil
}

// writeElement writes one element and checks what it holds.
func writeElement(b *strings.Builder, e *element, parent string) error {
	if err := writeOpen(b, e); err != nil {
		return err
	}
	switch e.tag {
	case "BR", "HR", "VR", "IMG":
		if len(e.children) > 0 {
			return fmt.Errorf("%s in %s holds content", e.tag, parent)
		}
		b.WriteString("/>")
		return nil
	case "TABLE":
		for _, c := range e.children {
			r, ok := c.(*element)
			if !ok || (r.tag != "TR" && r.tag != "HR") {
				return fmt.Errorf("TABLE holds something other than TR or HR")
			}
			if err := writeElement(b, r, "TABLE"); err != nil {
				return err
			}
		}
		if !slices.ContainsFunc(e.children, func(c Content) bool { return c.(*element).tag == "TR" }) {
			return fmt.Errorf("TABLE without rows")
		}
	case "TR":
		if parent != "TABLE" {
			return fmt.Errorf("TR outside a TABLE")
		}
		for _, c := range e.children {
			d, ok := c.(*element)
			if !ok || (d.tag != "TD" && d.tag != "VR") {
				return fmt.Errorf("TR holds something other than TD or VR")
			}
			if err := writeElement(b, d, "TR"); err != nil {
				return err
			}
		}
		if !slices.ContainsFunc(e.children, func(c Content) bool { return c.(*element).tag == "TD" }) {
			return fmt.Errorf("TR without cells")
		}
	case "TD":
		if parent != "TR" {
			return fmt.Errorf("TD outside a TR")
		}
		if len(e.children) == 1 {
			if t, ok := e.children[0].(*element); ok && (t.tag == "TABLE" || t.tag == "IMG") {
				if err := writeElement(b, t, "TD"); err != nil {
					return err
				}
				break
			}
		}
		if err := writeInline(b, e.children, "TD"); err != nil {
			return err
		}
	case "FONT", "B", "I", "U", "O", "S", "SUB", "SUP":
		if parent == "TABLE" || parent == "TR" {
			return fmt.Errorf("%s inside %s", e.tag, parent)
		}
		if err := writeInline(b, e.children, e.tag); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown element %s", e.tag)
	}
	b.WriteString("</" + e.tag + ">")
	return nil
}

// writeOpen writes the start tag without its closing ">" for empty
// elements.
func writeOpen(b *strings.Builder, e *element) error {
	if e.tag == "" || !isHTMLName(e.tag) {
		return fmt.Errorf("element name is not a plain name")
	}
	b.WriteString("<" + e.tag)
	seen := map[string]bool{}
	for i, a := range e.attrs {
		k := strings.ToUpper(a.Key)
		if !isHTMLName(k) {
			return fmt.Errorf("%s attribute %d: key is not letters, digits and hyphens", e.tag, i+1)
		}
		if seen[k] {
			return fmt.Errorf("%s attribute %s given twice", e.tag, k)
		}
		seen[k] = true
		if err := checkString(a.Value); err != nil {
			return fmt.Errorf("%s attribute %s: %v", e.tag, k, err)
		}
		b.WriteString(" " + k + `="` + htmlEscape(a.Value) + `"`)
	}
	switch e.tag {
	case "BR", "HR", "VR", "IMG":
	default:
		b.WriteString(">")
	}
	return nil
}

func isHTMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// htmlEscape escapes text and attribute values of HTML-like labels;
// a line break in an attribute value becomes a character reference.
func htmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>\"\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\r', '\n':
			b.WriteString("&#10;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeText writes escaped text, line breaks as <BR/>.
func writeText(b *strings.Builder, s string) error {
	if err := checkString(s); err != nil {
		return err
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("<BR/>")
		}
		b.WriteString(htmlEscape(line))
	}
	return nil
}
