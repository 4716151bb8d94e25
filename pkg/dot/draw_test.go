package dot

import (
	"context"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/draw"
)

// TestDrawParsesNastyStrings lays out and renders the nasty strings with
// Graphviz as Samspill runs it (package draw: Graphviz 12 in WebAssembly):
// every id and label parses, and the SVG is well-formed XML that shows
// each label.
func TestDrawParsesNastyStrings(t *testing.T) {
	e, err := draw.New(context.Background(), draw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	g := New(Directed, "nasty")
	for i, s := range nasty {
		id := s + strings.Repeat("#", i)
		g.Node(id, Str("label", s+"|"), Str("tooltip", s))
		g.Node("h"+id, HTMLAttr("label", MustHTML(Text(s+"|"))))
		g.Edge(id, "h"+id, Str("label", s))
		g.Subgraph("cluster" + id).Node(id + "c")
	}
	in, err := g.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	svg, err := e.Render(context.Background(), in, draw.SVG)
	if err != nil {
		t.Fatalf("Graphviz: %v", err)
	}
	texts, err := svgTexts(svg)
	if err != nil {
		t.Fatalf("SVG is not well-formed XML: %v", err)
	}
	all := strings.Join(texts, "\n")
	for _, s := range nasty {
		for _, line := range strings.FieldsFunc(s+"|", func(r rune) bool { return r == '\n' || r == '\r' }) {
			if line = strings.TrimSpace(line); line != "" && !strings.Contains(all, line) {
				t.Errorf("%q: line %q not in the SVG", s, line)
			}
		}
	}
	// The names as Graphviz holds them, from a layout of the nodes alone.
	flat := New(Directed, "nasty")
	for i, s := range nasty {
		flat.Node(s+strings.Repeat("#", i), Str("label", "x"))
	}
	in, err = flat.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.Layout(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range l.Nodes {
		names[n.ID] = true
	}
	for i, s := range nasty {
		// A node's name is the escaped id as Graphviz's lexer reads it,
		// and stays distinct.
		toks, err := lex(`"` + escape(s+strings.Repeat("#", i)) + `"`)
		if err != nil || len(toks) != 1 {
			t.Fatalf("%q: %v", s, err)
		}
		if !names[toks[0].s] {
			t.Errorf("%q: no node named %q", s, toks[0].s)
		}
	}
}
