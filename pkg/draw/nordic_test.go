package draw

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

func TestNordicLetters(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	// The names, and one text that SVG must escape.
	tricky := `Ås & Vestby <"Follo">`
	var b strings.Builder
	b.WriteString("digraph nordic {\n\tnode [fontname=Helvetica, shape=box];\n")
	for i, n := range nordic {
		fmt.Fprintf(&b, "\tn%d [label=%q];\n", i, n)
	}
	fmt.Fprintf(&b, "\ttricky [label=%q];\n\tn0 -> n1 [label=\"Øvre Årdal\"];\n}\n", tricky)
	src := []byte(b.String())
	want := append(slices.Clone(nordic), tricky, "Øvre Årdal")

	t.Run("svg", func(t *testing.T) {
		out, err := e.Render(ctx, src, SVG)
		if err != nil {
			t.Fatal(err)
		}
		texts := svgTexts(t, out)
		for _, w := range want {
			if !slices.Contains(texts, w) {
				t.Errorf("SVG has no text %q; texts %q", w, texts)
			}
		}
		for _, n := range nordic {
			if !bytes.Contains(out, []byte(">"+n+"<")) {
				t.Errorf("%q is not in the SVG as UTF-8 text", n)
			}
		}
		if !bytes.Contains(out, []byte("Ås &amp; Vestby &lt;&quot;Follo&quot;&gt;")) {
			t.Error("the SVG does not escape & < \" >")
		}
	})

	t.Run("png", func(t *testing.T) {
		lay, err := e.Layout(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Render(ctx, src, PNG)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lay.Labels {
			if l.Kind != LabelNode {
				continue
			}
			if r := pixelBox(lay, l.Box, img.Bounds()); ink(img, r) < 0.05 {
				t.Errorf("label %q: no text drawn in %v", l.Text, r)
			}
		}
	})

	t.Run("png glyphs", func(t *testing.T) {
		// Each letter alone in a box of the same size, beside its base
		// letter and a character no Go font has (drawn as the
		// missing-glyph box): a Nordic letter must look like neither.
		letters := []string{"æ", "ø", "å", "ä", "ö", "Æ", "Ø", "Å", "Ä", "Ö", "a", "o", "A", "O", "\u4e00"}
		var b strings.Builder
		b.WriteString("digraph { node [shape=box, fixedsize=true, width=0.6, height=0.6, fontname=Helvetica, fontsize=28, color=white];\n")
		for i, l := range letters {
			fmt.Fprintf(&b, "g%d [label=%q];\n", i, l)
		}
		b.WriteString("}\n")
		src := []byte(b.String())
		lay, err := e.Layout(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Render(ctx, src, PNG)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		crops := map[string]image.Image{}
		for i, l := range letters {
			n := lay.Nodes[slices.IndexFunc(lay.Nodes, func(n Node) bool { return n.ID == fmt.Sprintf("g%d", i) })]
			crops[l] = crop(img, pixelBox(lay, n.Box(), img.Bounds()))
		}
		tofu := crops["\u4e00"]
		base := map[string]string{"æ": "a", "å": "a", "ä": "a", "ø": "o", "ö": "o", "Æ": "A", "Å": "A", "Ä": "A", "Ø": "O", "Ö": "O"}
		for l, b := range base {
			if ink(crops[l], crops[l].Bounds()) < 0.01 {
				t.Errorf("%s: nothing drawn", l)
			}
			if sameImage(crops[l], tofu) {
				t.Errorf("%s is drawn as the missing-glyph box", l)
			}
			if sameImage(crops[l], crops[b]) {
				t.Errorf("%s is drawn as %s", l, b)
			}
		}
	})

	t.Run("fonts", func(t *testing.T) {
		fs, err := newFontSet()
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for s, f := range fs.fonts {
			for _, w := range want {
				for _, r := range w {
					if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
						t.Errorf("font %d has no glyph for %q", s, r)
					}
				}
			}
		}
	})

	t.Run("pdf", func(t *testing.T) {
		out, err := e.Render(ctx, src, PDF)
		if err != nil {
			t.Fatal(err)
		}
		doc := readPDF(t, out)
		if !slices.ContainsFunc(doc.fonts, func(f string) bool { return strings.Contains(f, "utf8go") }) {
			t.Errorf("fonts %q: the Go font is not embedded", doc.fonts)
		}
		for _, w := range want {
			if !slices.Contains(doc.text, w) {
				t.Errorf("PDF text has no %q; text %q", w, doc.text)
			}
		}
	})
}

// pixelBox maps a box of the layout to the PNG's pixels (96 dpi, pad).
func pixelBox(lay *Layout, r Rect, img image.Rectangle) image.Rectangle {
	k := 96.0 / 72
	h := float64(img.Dy())
	x0 := (r.Min.X + lay.Pad.X - lay.BB.Min.X) * k
	x1 := (r.Max.X + lay.Pad.X - lay.BB.Min.X) * k
	y0 := h - (r.Max.Y+lay.Pad.Y-lay.BB.Min.Y)*k
	y1 := h - (r.Min.Y+lay.Pad.Y-lay.BB.Min.Y)*k
	return image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
}

func crop(img image.Image, r image.Rectangle) image.Image {
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out
}

func sameImage(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
