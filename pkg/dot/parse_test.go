package dot

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// This file is a small DOT reader for the tests: it lexes as Graphviz's
// lib/cgraph/scan.l does (a quoted string turns \" into a quote and keeps
// every other backslash pair as written; an HTML string runs to the
// matching >) and parses the statements this package writes. It checks
// that the escaping round-trips without Graphviz.

type pGraph struct {
	strict, directed bool
	id               string
	stmts            []pStmt
}

type pStmt struct {
	kind  string // "graph", "node", "edge" (defaults), "N" node, "E" edge, "S" subgraph
	ids   []string
	attrs []pAttr
	sub   *pGraph
}

type pAttr struct {
	key, val string
	html     bool
}

// attr returns the value of key in the statement.
func (s pStmt) attr(key string) (pAttr, bool) {
	for _, a := range s.attrs {
		if a.key == key {
			return a, true
		}
	}
	return pAttr{}, false
}

type token struct {
	kind string // "id" (unquoted), "q" (quoted), "html", "--", "->", or the punctuation itself
	s    string
}

type lexer struct {
	in   string
	toks []token
}

func lex(in string) ([]token, error) {
	l := &lexer{in: in}
	i := 0
	for i < len(in) {
		c := in[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(in[i:], "//"):
			j := strings.IndexByte(in[i:], '\n')
			if j < 0 {
				return l.toks, nil
			}
			i += j + 1
		case strings.HasPrefix(in[i:], "/*"):
			j := strings.Index(in[i+2:], "*/")
			if j < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += j + 4
		case strings.HasPrefix(in[i:], "--") || strings.HasPrefix(in[i:], "->"):
			l.toks = append(l.toks, token{kind: in[i : i+2]})
			i += 2
		case strings.ContainsRune("{}[];,=:", rune(c)):
			l.toks = append(l.toks, token{kind: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(in) {
					return nil, errors.New("unterminated quoted string")
				}
				switch {
				case in[j] == '"':
					goto closed
				case strings.HasPrefix(in[j:], `\"`):
					b.WriteByte('"')
					j += 2
				case strings.HasPrefix(in[j:], `\\`):
					b.WriteString(`\\`)
					j += 2
				case strings.HasPrefix(in[j:], "\\\n"):
					j += 2
				default:
					b.WriteByte(in[j])
					j++
				}
			}
		closed:
			l.toks = append(l.toks, token{kind: "q", s: b.String()})
			i = j + 1
		case c == '<':
			depth, j := 0, i
			for ; j < len(in); j++ {
				if in[j] == '<' {
					depth++
				} else if in[j] == '>' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if depth != 0 {
				return nil, errors.New("unterminated HTML string")
			}
			l.toks = append(l.toks, token{kind: "html", s: in[i+1 : j]})
			i = j + 1
		case c == '_' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-':
			j := i
			for j < len(in) && (in[j] == '_' || in[j] >= 0x80 || 'a' <= in[j] && in[j] <= 'z' || 'A' <= in[j] && in[j] <= 'Z' || '0' <= in[j] && in[j] <= '9' || in[j] == '.') {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
			l.toks = append(l.toks, token{kind: "id", s: in[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return l.toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: "EOF"}
}

func (p *parser) next() token { t := p.peek(); p.pos++; return t }

func (p *parser) keyword(k string) bool {
	t := p.peek()
	if t.kind == "id" && strings.EqualFold(t.s, k) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(kind string) error {
	if t := p.next(); t.kind != kind {
		return fmt.Errorf("want %s, got %s %q at token %d", kind, t.kind, t.s, p.pos-1)
	}
	return nil
}

// ident reads an ID: unquoted, quoted or HTML.
func (p *parser) ident() (string, bool, error) {
	t := p.next()
	switch t.kind {
	case "id":
		for _, k := range []string{"graph", "digraph", "subgraph", "node", "edge", "strict"} {
			if strings.EqualFold(t.s, k) {
				return "", false, fmt.Errorf("keyword %s used as an id", t.s)
			}
		}
		return t.s, false, nil
	case "q":
		return t.s, false, nil
	case "html":
		return t.s, true, nil
	}
	return "", false, fmt.Errorf("want an id, got %s", t.kind)
}

func parseDOT(in string) (*pGraph, error) {
	toks, err := lex(in)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	g := &pGraph{}
	g.strict = p.keyword("strict")
	switch {
	case p.keyword("graph"):
	case p.keyword("digraph"):
		g.directed = true
	default:
		return nil, errors.New("no graph keyword")
	}
	if t := p.peek(); t.kind != "{" {
		if g.id, _, err = p.ident(); err != nil {
			return nil, err
		}
	}
	if err := p.body(g); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "EOF" {
		return nil, fmt.Errorf("trailing %s", t.kind)
	}
	return g, nil
}

func (p *parser) body(g *pGraph) error {
	if err := p.expect("{"); err != nil {
		return err
	}
	for {
		switch t := p.peek(); {
		case t.kind == "}":
			p.pos++
			return nil
		case t.kind == "EOF":
			return errors.New("unterminated block")
		case t.kind == ";":
			p.pos++
			continue
		}
		s, err := p.stmt(g.directed)
		if err != nil {
			return err
		}
		g.stmts = append(g.stmts, s)
	}
}

func (p *parser) stmt(directed bool) (pStmt, error) {
	for _, k := range []string{"graph", "node", "edge"} {
		if p.keyword(k) {
			attrs, err := p.attrList()
			return pStmt{kind: k, attrs: attrs}, err
		}
	}
	if p.keyword("subgraph") {
		sub := &pGraph{directed: directed}
		if t := p.peek(); t.kind != "{" {
			id, _, err := p.ident()
			if err != nil {
				return pStmt{}, err
			}
			sub.id = id
		}
		err := p.body(sub)
		return pStmt{kind: "S", sub: sub}, err
	}
	a, html, err := p.ident()
	if err != nil {
		return pStmt{}, err
	}
	if html {
		return pStmt{}, errors.New("HTML string as a node id")
	}
	s := pStmt{kind: "N", ids: []string{a}}
	if t := p.peek(); t.kind == "--" || t.kind == "->" {
		if (t.kind == "->") != directed {
			return pStmt{}, fmt.Errorf("edge op %s in the wrong kind of graph", t.kind)
		}
		p.pos++
		b, html, err := p.ident()
		if err != nil {
			return pStmt{}, err
		}
		if html {
			return pStmt{}, errors.New("HTML string as a node id")
		}
		s = pStmt{kind: "E", ids: []string{a, b}}
	}
	if t := p.peek(); t.kind == "[" {
		if s.attrs, err = p.attrList(); err != nil {
			return pStmt{}, err
		}
	}
	return s, nil
}

func (p *parser) attrList() ([]pAttr, error) {
	if err := p.expect("["); err != nil {
		return nil, err
	}
	var out []pAttr
	for {
		if t := p.peek(); t.kind == "]" {
			p.pos++
			return out, nil
		}
		k, _, err := p.ident()
		if err != nil {
			return nil, err
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		v, html, err := p.ident()
		if err != nil {
			return nil, err
		}
		out = append(out, pAttr{key: k, val: v, html: html})
		if t := p.peek(); t.kind == "," || t.kind == ";" {
			p.pos++
		}
	}
}

// shown returns the text Graphviz shows for a lexed label-like string
// this package wrote: its escString backslash pairs read (\\ a backslash,
// \n a line feed, \r a carriage return) and the entities &amp;, &lt; and
// &gt; decoded. Any other backslash pair or entity is an error: this
// package never writes one.
func shown(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			if i+1 >= len(s) {
				return "", errors.New("lone backslash at the end")
			}
			i++
			switch s[i] {
			case '\\':
				b.WriteByte('\\')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				return "", fmt.Errorf("escape \\%c", s[i])
			}
		case s[i] == '&':
			var ent string
			for _, e := range []string{"&amp;", "&lt;", "&gt;"} {
				if strings.HasPrefix(s[i:], e) {
					ent = e
				}
			}
			if ent == "" {
				return "", errors.New("entity other than &amp;, &lt; and &gt;")
			}
			b.WriteString(map[string]string{"&amp;": "&", "&lt;": "<", "&gt;": ">"}[ent])
			i += len(ent) - 1
		case s[i] == '\n' || s[i] == '\r':
			return "", errors.New("raw line break inside a quoted string")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// htmlText returns the text of an HTML-like label, <BR/> as a line feed.
func htmlText(h string) (string, error) {
	d := xml.NewDecoder(strings.NewReader("<L>" + h + "</L>"))
	d.Strict = true
	var b strings.Builder
	for {
		t, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if t.Name.Local == "BR" {
				b.WriteByte('\n')
			}
		}
	}
}
