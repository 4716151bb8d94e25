package dot

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestWriteOrderAndQuoting(t *testing.T) {
	g := New(Undirected, "kart")
	g.Comment("made by a test\nsecond line")
	g.Attrs(Str("layout", "neato"), Num("pad", 0.25))
	g.NodeDefaults(Str("shape", "box"), Str("fontname", "Helvetica"))
	g.EdgeDefaults()
	g.Node("ola", Str("label", "Ola N."), Point("pos", 0, -0.0001, true))
	g.Node("node", Str("label", `Sæter "Søstrene" & co\`))
	c := g.Cluster("psykiatri", Str("label", "Psykiatri"))
	c.Node("dps", Str("label", "DPS\nNord"))
	g.Edge("ola", "dps", Str("style", "dashed"), Num("penwidth", 2.5))
	got, err := g.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `// made by a test
// second line
graph "kart" {
	graph [layout="neato", pad="0.25"];
	node [fontname="Helvetica", shape="box"];
	"ola" [label="Ola N.", pos="0,0!"];
	"node" [label="Sæter \"Søstrene\" &amp; co\\"];
	subgraph "cluster_psykiatri" {
		graph [label="Psykiatri"];
		"dps" [label="DPS\nNord"];
	}
	"ola" -- "dps" [penwidth="2.5", style="dashed"];
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDirectedStrict(t *testing.T) {
	g := New(Directed, "")
	g.Strict()
	g.Edge("a", "b")
	got, err := g.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := "strict digraph {\n\t\"a\" -> \"b\";\n}\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAttributesSortedWhateverTheOrderGiven(t *testing.T) {
	a := []Attr{Str("label", "x"), Str("color", "red"), Num("width", 1), Str("URL", "u"), Str("_x", "y")}
	b := []Attr{a[3], a[2], a[4], a[0], a[1]}
	var out [2]string
	for i, attrs := range [][]Attr{a, b} {
		g := New(Undirected, "g")
		g.Node("n", attrs...)
		got, err := g.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(got)
	}
	if out[0] != out[1] {
		t.Errorf("order of attributes changed the output:\n%s\n%s", out[0], out[1])
	}
	if !strings.Contains(out[0], `[URL="u", _x="y", color="red", label="x", width="1"]`) {
		t.Errorf("attributes not sorted by key: %s", out[0])
	}
}

func TestFormatNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{-0.0004, "0"},
		{1, "1"},
		{0.1 + 0.2, "0.3"},
		{2.0 / 3, "0.667"},
		{-12.3456, "-12.346"},
		{1e21, "1000000000000000000000"},
		{123456.5, "123456.5"},
	}
	for _, tt := range tests {
		got, err := FormatNum(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("FormatNum(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := FormatNum(bad); err == nil {
			t.Errorf("FormatNum(%v): no error", bad)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a"b`, `a\"b`},
		{`a\b`, `a\\b`},
		{`\`, `\\`},
		{`\"`, `\\\"`},
		{"two\nlines", `two\nlines`},
		{"cr\r\nlf", `cr\r\nlf`},
		{"A & B &amp;", "A &amp; B &amp;amp;"},
		{`\N \G \L`, `\\N \\G \\L`},
		{"tab\there", "tab\there"},
		{"æøå ÆØÅ äö", "æøå ÆØÅ äö"},
		{"<b>", "&lt;b&gt;"},
		{"<img src=x>", "&lt;img src=x&gt;"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		build func(g *Graph)
		where string // part of the error message
	}{
		{"invalid UTF-8 in an id", func(g *Graph) { g.Node("a\xffb") }, "statement 1 (node): id: invalid UTF-8 at byte 1"},
		{"NUL in a value", func(g *Graph) { g.Node("a", Str("label", "x\x00")) }, "label: control character U+0000"},
		{"escape character", func(g *Graph) { g.Node("a", Str("label", "\x1b[31m")) }, "control character U+001B"},
		{"non-character", func(g *Graph) { g.Edge("a", "b\uffff") }, "to: non-character U+FFFF"},
		{"bad key", func(g *Graph) { g.Node("a", Str("la bel", "x")) }, "key is not a plain identifier"},
		{"key starting with a digit", func(g *Graph) { g.Node("a", Str("1x", "x")) }, "key is not a plain identifier"},
		{"empty key", func(g *Graph) { g.Node("a", Str("", "x")) }, "key is not a plain identifier"},
		{"repeated key", func(g *Graph) { g.Node("a", Str("label", "x"), Str("color", "red"), Str("label", "y")) }, "key label given twice"},
		{"NaN", func(g *Graph) { g.Node("a", Num("width", math.NaN())) }, "width: not a finite number"},
		{"infinite position", func(g *Graph) { g.Node("a", Point("pos", 1, math.Inf(1), true)) }, "pos: not a finite number"},
		{"in a subgraph", func(g *Graph) { g.Node("ok"); g.Subgraph("s").Node("\x01") }, "graph, statement 2 (subgraph), statement 1 (node): id"},
		{"graph id", func(g *Graph) { g.id = "\x7f\x80" }, "graph id: invalid UTF-8"},
		{"comment", func(g *Graph) { g.Comment("a\rb") }, "comment line 1: carriage return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(Undirected, "g")
			tt.build(g)
			b, err := g.Bytes()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %q, %v; want an error wrapping ErrInvalid", b, err)
			}
			if !strings.Contains(err.Error(), tt.where) {
				t.Errorf("error %q does not say %q", err, tt.where)
			}
			var sb strings.Builder
			if n, err := g.WriteTo(&sb); err == nil || n != 0 || sb.Len() != 0 {
				t.Errorf("WriteTo wrote %d bytes, error %v", n, err)
			}
		})
	}
}

func TestErrorsDoNotQuoteText(t *testing.T) {
	secret := "Kari Nordmann 010190"
	g := New(Undirected, "g")
	g.Node(secret+"\x00", Str("label", secret))
	_, err := g.Bytes()
	if err == nil || strings.Contains(err.Error(), "Kari") {
		t.Errorf("error %v: want one that does not quote the id", err)
	}
}

func TestCheckString(t *testing.T) {
	if err := CheckString("Åse\tØ\r\n"); err != nil {
		t.Errorf("CheckString: %v", err)
	}
	if err := CheckString("a\x02"); !errors.Is(err, ErrInvalid) {
		t.Errorf("CheckString(control) = %v", err)
	}
}

func TestEmptyAttributeStatementsAreLeftOut(t *testing.T) {
	g := New(Undirected, "")
	g.Attrs()
	g.NodeDefaults()
	g.Node("a")
	got, err := g.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := "graph {\n\t\"a\";\n}\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRoundTripThroughTestParser(t *testing.T) {
	names := []string{"", "ola", "node", "graph", "a b", `"`, `\`, `\\`, `a\`, `\"`, "x\n", "\r", "&amp;", "&#229;", "<>", "æøå", "Åse Ø. Ärlig", "--", "->", "{", "]", ";", "a=b", "\t", `\N`, "😀"}
	for _, s := range names {
		g := New(Directed, s)
		g.Node(s, Str("label", s), Str("tooltip", s))
		g.Edge(s, s+"2", Str("label", s))
		sub := g.Subgraph(s)
		sub.Node(s + "3")
		got, err := g.Bytes()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		checkRoundTrip(t, s, string(got))
	}
}

// checkRoundTrip parses out, written for the text s, and checks that every
// id and label in it shows s.
func checkRoundTrip(t *testing.T, s, out string) {
	t.Helper()
	p, err := parseDOT(out)
	if err != nil {
		t.Fatalf("%q: parse: %v\n%s", s, err, out)
	}
	if got, err := shown(p.id); err != nil || got != s {
		t.Errorf("%q: graph id reads %q (%v)", s, got, err)
	}
	for _, st := range p.stmts {
		for _, key := range []string{"label", "tooltip"} {
			a, ok := st.attr(key)
			if !ok || a.html {
				continue
			}
			got, err := shown(a.val)
			if err != nil || got != s {
				t.Errorf("%q: %s shows %q (%v)", s, key, got, err)
			}
		}
		if st.kind == "N" {
			// A name keeps its escapes: shown(name) is the text (and "h"
			// for the node with the HTML-like label).
			if got, err := shown(st.ids[0]); err != nil || got != s && got != s+"h" {
				t.Errorf("%q: node id reads %q (%v)", s, got, err)
			}
		}
	}
}
