package dot

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/draw"
)

// nasty are strings that have broken DOT writers: quotes, backslashes at
// the end, escString sequences, entities, keywords, HTML, Nordic letters.
var nasty = []string{
	"", " ", "ola", "node", "Graph", "subgraph", "strict", "edge", `"`, `""`, `\`, `\\`, `a\`, `\"`, `"\`,
	"line\nbreak", "cr\rlf", "\r\n", `\n`, `\N\G\E\T\H\L`, `\l\r`, "&", "&amp;", "&#229;", "&lt;b&gt;", "&foo;",
	"<", ">", "<b>x</b>", "<<>>", "a--b", "a->b", "{}[];,=:", "/* c */", "// c", "#x", "Ærlig Øystein Åsmund ä ö ü",
	"<img src=/etc/passwd>", "<IMG/>", "fastlege\tGP", "😀 emoji", "\u00a0nbsp", "\u200b", "ÆØÅ&\"\\\n", strings.Repeat("langt navn ", 30),
}

// FuzzWriteAnyString writes any string as the id and label of a graph,
// a node, an edge and a subgraph, and as the text of an HTML-like label:
// what DOT cannot hold is refused; anything else reads back as itself
// through the test's DOT reader, and Graphviz (package draw) parses and
// lays it out.
func FuzzWriteAnyString(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Add("\x00")
	f.Add("\xff")
	e, err := draw.New(context.Background(), draw.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := e.Close(); err != nil {
			f.Error(err)
		}
	})
	f.Fuzz(func(t *testing.T, s string) {
		g := New(Directed, s)
		g.Node(s, Str("label", s), Str("tooltip", s))
		g.Edge(s, s+"2", Str("label", s))
		g.Subgraph(s).Node(s + "3")
		h, herr := HTMLLabel(Text(s))
		g.Node(s+"h", HTMLAttr("label", h))
		out, err := g.Bytes()
		if checkString(s) != nil {
			if !errors.Is(err, ErrInvalid) || !errors.Is(herr, ErrInvalid) {
				t.Fatalf("%q: want refusals, got %v and %v", s, err, herr)
			}
			return
		}
		if err != nil || herr != nil {
			t.Fatalf("%q: %v, %v", s, err, herr)
		}
		checkRoundTrip(t, s, string(out))
		want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		if got, err := htmlText(h.String()); err != nil || got != want {
			t.Fatalf("%q: HTML label reads %q (%v)", s, got, err)
		}
		if _, err := e.Render(context.Background(), out, draw.DOT); err != nil {
			t.Fatalf("%q: Graphviz: %v\n%s", s, err, out)
		}
	})
}

// TestGraphvizParsesNastyStrings runs the nasty strings through Graphviz's
// own dot, when it is installed: every id and label parses, and the SVG is
// well-formed XML that shows each label.
func TestGraphvizParsesNastyStrings(t *testing.T) {
	dotBin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz dot is not installed")
	}
	g := New(Directed, "nasty")
	for i, s := range nasty {
		id := s + strings.Repeat("#", i) // distinct ids
		g.Node(id, Str("label", s+"|"), Str("tooltip", s))
		g.Node("h"+id, HTMLAttr("label", MustHTML(Text(s+"|"))))
		g.Edge(id, "h"+id, Str("label", s))
		g.Subgraph("cluster" + id).Node(id + "c")
	}
	in, err := g.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dotBin, "-Tsvg")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	svg, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("dot: %v\n%s", err, stderr.String())
	}
	texts, err := svgTexts(svg)
	if err != nil {
		t.Fatalf("SVG is not well-formed XML: %v", err)
	}
	all := strings.Join(texts, "\n")
	for _, s := range nasty {
		// Graphviz writes one <text> per line; each line must be there.
		for _, line := range strings.FieldsFunc(s+"|", func(r rune) bool { return r == '\n' || r == '\r' }) {
			if line = strings.TrimSpace(line); line != "" && !strings.Contains(all, line) {
				t.Errorf("%q: line %q not in the SVG", s, line)
			}
		}
	}
}

// svgTexts returns the text of every <text> element, non-breaking spaces
// read as spaces.
func svgTexts(svg []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	var out []string
	in := false
	var cur strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "text" {
				in = true
				cur.Reset()
			}
		case xml.CharData:
			if in {
				cur.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				in = false
				out = append(out, strings.ReplaceAll(cur.String(), "\u00a0", " "))
			}
		}
	}
}
