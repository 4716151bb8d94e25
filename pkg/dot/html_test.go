package dot

import (
	"errors"
	"strings"
	"testing"
)

func TestHTMLLabel(t *testing.T) {
	tests := []struct {
		name string
		in   []Content
		want string
	}{
		{"text", []Content{Text(`Kari & "Ola" <3`)}, "Kari &amp; &quot;Ola&quot; &lt;3"},
		{"line breaks", []Content{Text("a\nb\r\nc\rd")}, "a<BR/>b<BR/>c<BR/>d"},
		{"inline", []Content{Bold(Text("Åse")), Break(), Font([]HAttr{{"point-size", "9"}, {"COLOR", `#c00000"`}}, Text("fastlege"))},
			`<B>Åse</B><BR/><FONT POINT-SIZE="9" COLOR="#c00000&quot;">fastlege</FONT>`},
		{"strike", []Content{Strike(Text("NAV"))}, "<S>NAV</S>"},
		{"table", []Content{Table([]HAttr{{"BORDER", "0"}},
			Row(Cell(nil, Text("a")), Cell([]HAttr{{"BGCOLOR", "red"}}, Italic(Text("b")))),
			Row(Cell(nil, Table(nil, Row(Cell(nil))))))},
			`<TABLE BORDER="0"><TR><TD>a</TD><TD BGCOLOR="red"><I>b</I></TD></TR><TR><TD><TABLE><TR><TD></TD></TR></TABLE></TD></TR></TABLE>`},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HTMLLabel(tt.in...)
			if err != nil {
				t.Fatal(err)
			}
			if h.String() != tt.want {
				t.Errorf("got %s\nwant %s", h, tt.want)
			}
			g := New(Undirected, "")
			g.Node("n", HTMLAttr("label", h))
			b, err := g.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "label=<"+tt.want+">") {
				t.Errorf("written as %s", b)
			}
		})
	}
}

func TestHTMLLabelRefusals(t *testing.T) {
	tests := []struct {
		name string
		in   []Content
		why  string
	}{
		{"unknown element", []Content{Element("SCRIPT", nil, Text("x"))}, "SCRIPT inside label"},
		{"TD outside TR", []Content{Table(nil, Cell(nil, Text("x")))}, "TABLE holds something other than TR"},
		{"text in TABLE", []Content{Table(nil, Text("x"))}, "TABLE holds something other than TR"},
		{"text in TR", []Content{Table(nil, Row(Text("x")))}, "TR holds something other than TD"},
		{"empty table", []Content{Table(nil)}, "TABLE without rows"},
		{"table beside text", []Content{Text("x"), Table(nil, Row(Cell(nil)))}, "TABLE inside label"},
		{"table in bold", []Content{Bold(Table(nil, Row(Cell(nil))))}, "TABLE inside B"},
		{"BR with content", []Content{Element("BR", nil, Text("x"))}, "BR in label holds content"},
		{"bad attribute key", []Content{Font([]HAttr{{"COLOR=x", "y"}}, Text("a"))}, "key is not letters"},
		{"repeated attribute", []Content{Font([]HAttr{{"color", "y"}, {"COLOR", "z"}}, Text("a"))}, "COLOR given twice"},
		{"control character in text", []Content{Text("a\x07")}, "control character U+0007"},
		{"invalid UTF-8 in a value", []Content{Font([]HAttr{{"FACE", "\xc3"}}, Text("a"))}, "invalid UTF-8"},
		{"nil", []Content{nil}, "nil content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HTMLLabel(tt.in...)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %q, %v; want an error wrapping ErrInvalid", h, err)
			}
			if !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q does not say %q", err, tt.why)
			}
		})
	}
}

func TestMustHTMLPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	MustHTML(Table(nil))
}

func TestHTMLRoundTrip(t *testing.T) {
	for _, s := range []string{"Åse & Øystein", "<TABLE>", "]]>", "a\nb", `"'`, "&lt;", "😀"} {
		h, err := HTMLLabel(Text(s))
		if err != nil {
			t.Fatal(err)
		}
		g := New(Undirected, "")
		g.Node("n", HTMLAttr("label", h))
		b, err := g.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseDOT(string(b))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		a, _ := p.stmts[0].attr("label")
		got, err := htmlText(a.val)
		if !a.html || err != nil || got != s {
			t.Errorf("%q: label reads %q (html %v, %v)", s, got, a.html, err)
		}
	}
}
