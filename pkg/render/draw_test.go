package render

import (
	"bytes"
	"context"
	"encoding/xml"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/mapdoc"
)

// engine starts a Graphviz engine (package draw) for one test.
func engine(t *testing.T) *draw.Engine {
	t.Helper()
	e, err := draw.New(context.Background(), draw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// TestNoOverlap lays every map out with Graphviz (package draw, the
// engine Samspill renders with) and checks that no two boxes overlap:
// nodes, and every block of text drawn (the title, the labels of nodes)
// except a node's own label, which lies inside it. The 8- and 40-actor
// maps are the two sizes; the background circles and group boxes
// hold other nodes on purpose and are left out.
func TestNoOverlap(t *testing.T) {
	e := engine(t)
	for name, src := range layoutCases(t) {
		t.Run(name, func(t *testing.T) {
			l, err := e.Layout(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			type item struct {
				id, owner string
				box       draw.Rect
			}
			var items []item
			for _, n := range l.Nodes {
				if !background(n.ID) {
					items = append(items, item{n.ID, n.ID, n.Box()})
				}
			}
			labels := 0
			for _, lb := range l.Labels {
				if background(lb.Owner) || lb.Box.Empty() {
					continue
				}
				items = append(items, item{string(lb.Kind) + " label of " + lb.Owner, lb.Owner, lb.Box})
				labels++
			}
			if len(items) < 20 || labels < 10 {
				t.Fatalf("only %d boxes, %d labels: the layout was not read", len(items), labels)
			}
			for i, a := range items {
				for _, b := range items[i+1:] {
					if a.owner != b.owner && a.box.Overlaps(b.box) {
						t.Errorf("overlap: %s %v and %s %v", a.id, a.box, b.id, b.box)
					}
				}
			}
			// A node's label stays inside its node.
			for _, lb := range l.Labels {
				for _, n := range l.Nodes {
					if lb.Kind == draw.LabelNode && lb.Owner == n.ID && !background(n.ID) && !inside(lb.Box, n.Box()) {
						t.Errorf("the label of %s %v sticks out of its node %v", n.ID, lb.Box, n.Box())
					}
				}
			}
		})
	}
}

// inside reports whether r lies within s (to a tenth of a point).
func inside(r, s draw.Rect) bool {
	const eps = 0.1
	return r.Min.X >= s.Min.X-eps && r.Min.Y >= s.Min.Y-eps && r.Max.X <= s.Max.X+eps && r.Max.Y <= s.Max.Y+eps
}

// TestSVGAndPNG renders the maps: the SVG is well-formed XML that shows
// every actor's (or organisation's) name, Nordic letters as they are,
// and the PNG decodes.
func TestSVGAndPNG(t *testing.T) {
	e := engine(t)
	person, before := readDoc(t, "person.json"), readDoc(t, "before.json")
	sys := readSystem(t)
	personDOT, err := PersonMap(person, citizenGaps(t, person), Options{Lang: "nb"})
	if err != nil {
		t.Fatal(err)
	}
	changeDOT, err := ChangeMap(before, person, Options{})
	if err != nil {
		t.Fatal(err)
	}
	systemDOT, err := SystemMap(sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var orgNames []string
	for _, o := range sys.Area.Organisations {
		if o.ID != "koordinerende" { // a governing body no gap names is left out
			orgNames = append(orgNames, o.Name)
		}
	}
	actorNames := func(docs ...*mapdoc.Document) []string {
		var out []string
		for _, d := range docs {
			for _, a := range d.Actors {
				out = append(out, a.Name)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		dot   []byte
		names []string
	}{
		{"person", personDOT, actorNames(person)},
		{"change", changeDOT, actorNames(person, before)},
		{"system", systemDOT, orgNames},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg, err := e.Render(context.Background(), tc.dot, draw.SVG)
			if err != nil {
				t.Fatal(err)
			}
			text, err := svgText(svg)
			if err != nil {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			// A name may be wrapped, with a badge between its lines: each
			// of its words must be there.
			words := strings.Fields(text)
			for _, n := range tc.names {
				for _, w := range strings.Fields(n) {
					if !slices.Contains(words, w) {
						t.Errorf("the SVG does not show %q of %q", w, n)
					}
				}
			}
			nordic := 0
			for _, r := range "æøåäöÆØÅÄÖ" {
				if strings.ContainsRune(strings.Join(tc.names, ""), r) {
					nordic++
					if !strings.ContainsRune(text, r) {
						t.Errorf("the SVG has no %q", r)
					}
				}
			}
			if nordic < 3 {
				t.Errorf("only %d Nordic letters in the names: the test needs more", nordic)
			}
			pic, err := e.Render(context.Background(), tc.dot, draw.PNG)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(pic))
			if err != nil {
				t.Fatalf("PNG does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
				t.Errorf("PNG is only %v", b)
			}
		})
	}
}

// svgText returns the text of an SVG's <text> elements, joined by
// nothing, so that a name wrapped over lines reads whole after squash.
func svgText(svg []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	var b strings.Builder
	in := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in = in || tok.Name.Local == "text"
		case xml.EndElement:
			if tok.Name.Local == "text" {
				in = false
				b.WriteByte(' ')
			}
		case xml.CharData:
			if in {
				b.Write(tok)
			}
		}
	}
}
