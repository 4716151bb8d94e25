package dot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrInvalid is wrapped by every error of [Graph.Bytes]: something DOT
// cannot hold.
var ErrInvalid = errors.New("dot: cannot be written")

// Kind is whether a graph's edges are directed.
type Kind int

// Graph kinds.
const (
	Undirected Kind = iota // graph, edges written a -- b
	Directed               // digraph, edges written a -> b
)

// Graph is a DOT graph under construction. Its zero value is not usable:
// make one with [New]. A Graph is not safe for concurrent use.
type Graph struct {
	Block
	kind     Kind
	id       string
	strict   bool
	comments []string
}

// New returns an empty graph of the kind with the id (which may be
// empty).
func New(kind Kind, id string) *Graph {
	return &Graph{kind: kind, id: id}
}

// Strict makes the graph strict: Graphviz merges multiple edges between
// one pair.
func (g *Graph) Strict() { g.strict = true }

// Comment adds comment lines written before the graph ("// " each, one per
// line of text).
func (g *Graph) Comment(text string) {
	g.comments = append(g.comments, strings.Split(text, "\n")...)
}

// Block is the body of a graph or subgraph: its statements in order.
type Block struct {
	stmts []stmt
}

// stmtKind is what a statement is.
type stmtKind int

const (
	stmtGraphAttrs stmtKind = iota
	stmtNodeDefaults
	stmtEdgeDefaults
	stmtNode
	stmtEdge
	stmtSubgraph
)

func (k stmtKind) String() string {
	return [...]string{"graph attributes", "node defaults", "edge defaults", "node", "edge", "subgraph"}[k]
}

// stmt is one statement of a block.
type stmt struct {
	kind     stmtKind
	a, b     string // node id; edge ends
	attrs    []Attr
	subgraph *Subgraph
}

// Subgraph is a subgraph (a cluster when its id begins with "cluster").
type Subgraph struct {
	Block
	id string
}

// Attrs adds a graph attribute statement (graph [...]) for this graph or
// subgraph. A statement without attributes is not written.
func (b *Block) Attrs(attrs ...Attr) { b.add(stmt{kind: stmtGraphAttrs, attrs: attrs}) }

// NodeDefaults adds a node attribute statement (node [...]): defaults for
// the nodes that follow.
func (b *Block) NodeDefaults(attrs ...Attr) { b.add(stmt{kind: stmtNodeDefaults, attrs: attrs}) }

// EdgeDefaults adds an edge attribute statement (edge [...]): defaults for
// the edges that follow.
func (b *Block) EdgeDefaults(attrs ...Attr) { b.add(stmt{kind: stmtEdgeDefaults, attrs: attrs}) }

// Node adds a node statement.
func (b *Block) Node(id string, attrs ...Attr) { b.add(stmt{kind: stmtNode, a: id, attrs: attrs}) }

// Edge adds an edge statement from one node to another.
func (b *Block) Edge(from, to string, attrs ...Attr) {
	b.add(stmt{kind: stmtEdge, a: from, b: to, attrs: attrs})
}

// Subgraph adds a subgraph at this place and returns it to be filled. The
// attributes become its first statement (graph [...]).
func (b *Block) Subgraph(id string, attrs ...Attr) *Subgraph {
	s := &Subgraph{id: id}
	if len(attrs) > 0 {
		s.Attrs(attrs...)
	}
	b.add(stmt{kind: stmtSubgraph, subgraph: s})
	return s
}

// Cluster adds a cluster: the subgraph "cluster_" + name, which Graphviz's
// dot and fdp layouts draw as a box around its nodes.
func (b *Block) Cluster(name string, attrs ...Attr) *Subgraph {
	return b.Subgraph("cluster_"+name, attrs...)
}

func (b *Block) add(s stmt) { b.stmts = append(b.stmts, s) }

// Bytes returns the graph as DOT, or an error wrapping [ErrInvalid] for
// the first thing DOT cannot hold (see the package documentation).
func (g *Graph) Bytes() ([]byte, error) {
	w := &writer{kind: g.kind}
	for i, c := range g.comments {
		if err := checkString(c); err != nil {
			return nil, fmt.Errorf("%w: comment line %d: %v", ErrInvalid, i+1, err)
		}
		if strings.Contains(c, "\r") {
			return nil, fmt.Errorf("%w: comment line %d: carriage return", ErrInvalid, i+1)
		}
		w.buf.WriteString("// " + c + "\n")
	}
	if g.strict {
		w.buf.WriteString("strict ")
	}
	if g.kind == Directed {
		w.buf.WriteString("digraph ")
	} else {
		w.buf.WriteString("graph ")
	}
	if g.id != "" {
		if err := w.quoted(g.id); err != nil {
			return nil, fmt.Errorf("%w: graph id: %v", ErrInvalid, err)
		}
		w.buf.WriteByte(' ')
	}
	w.buf.WriteString("{\n")
	if err := w.block(&g.Block, 1, "graph"); err != nil {
		return nil, err
	}
	w.buf.WriteString("}\n")
	return w.buf.Bytes(), nil
}

// WriteTo writes the graph as DOT to w; nothing is written when the graph
// cannot be (see [Graph.Bytes]).
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	b, err := g.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err != nil {
		return int64(n), fmt.Errorf("dot: write: %w", err)
	}
	return int64(n), nil
}

// writer accumulates the output.
type writer struct {
	buf  bytes.Buffer
	kind Kind
}

func (w *writer) block(b *Block, depth int, where string) error {
	indent := strings.Repeat("\t", depth)
	for i, s := range b.stmts {
		at := func(field string, err error) error {
			return fmt.Errorf("%w: %s, statement %d (%s): %s: %v", ErrInvalid, where, i+1, s.kind, field, err)
		}
		switch s.kind {
		case stmtGraphAttrs, stmtNodeDefaults, stmtEdgeDefaults:
			if len(s.attrs) == 0 {
				continue
			}
			w.buf.WriteString(indent + [...]string{"graph", "node", "edge"}[s.kind] + " ")
			if err := w.attrs(s.attrs); err != nil {
				return at("attributes", err)
			}
		case stmtNode:
			w.buf.WriteString(indent)
			if err := w.quoted(s.a); err != nil {
				return at("id", err)
			}
			if len(s.attrs) > 0 {
				w.buf.WriteByte(' ')
				if err := w.attrs(s.attrs); err != nil {
					return at("attributes", err)
				}
			}
		case stmtEdge:
			w.buf.WriteString(indent)
			if err := w.quoted(s.a); err != nil {
				return at("from", err)
			}
			if w.kind == Directed {
				w.buf.WriteString(" -> ")
			} else {
				w.buf.WriteString(" -- ")
			}
			if err := w.quoted(s.b); err != nil {
				return at("to", err)
			}
			if len(s.attrs) > 0 {
				w.buf.WriteByte(' ')
				if err := w.attrs(s.attrs); err != nil {
					return at("attributes", err)
				}
			}
		case stmtSubgraph:
			w.buf.WriteString(indent + "subgraph ")
			if err := w.quoted(s.subgraph.id); err != nil {
				return at("id", err)
			}
			w.buf.WriteString(" {\n")
			if err := w.block(&s.subgraph.Block, depth+1, fmt.Sprintf("%s, statement %d (subgraph)", where, i+1)); err != nil {
				return err
			}
			w.buf.WriteString(indent + "}\n")
			continue
		}
		w.buf.WriteString(";\n")
	}
	return nil
}

// quoted writes s as a quoted, escaped DOT string.
func (w *writer) quoted(s string) error {
	if err := checkString(s); err != nil {
		return err
	}
	w.buf.WriteByte('"')
	w.buf.WriteString(escape(s))
	w.buf.WriteByte('"')
	return nil
}

// attrs writes an attribute list, sorted by key.
func (w *writer) attrs(attrs []Attr) error {
	sorted, err := sortAttrs(attrs)
	if err != nil {
		return err
	}
	w.buf.WriteByte('[')
	for i, a := range sorted {
		if i > 0 {
			w.buf.WriteString(", ")
		}
		w.buf.WriteString(a.key + "=")
		if err := a.val.write(w); err != nil {
			return fmt.Errorf("%s: %w", a.key, err)
		}
	}
	w.buf.WriteByte(']')
	return nil
}
