package draw

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// PNG and PDF text is set in the Go fonts (golang.org/x/image/font/gofont):
// TrueType fonts with every Latin letter of the Nordic languages (æ ø å ä ö
// and their capitals), embedded in the binary so that the pictures never
// depend on the fonts of the machine. Graphviz lays text out with its own
// estimates of the requested font's widths (Helvetica's, Times' or
// Courier's); Go Regular is 1.01 (median) to 1.08 (90th percentile) times
// as wide as Graphviz's Helvetica estimate on the person map's texts, and
// 1.12 to 1.19 times its Times estimate, so each writer measures every
// text in its font and sets it smaller where it would be wider than
// Graphviz's box.

// fontStyle is one of the embedded faces.
type fontStyle int

const (
	styleRegular fontStyle = iota
	styleBold
	styleItalic
	styleBoldItalic
	styleMono
	styleMonoBold
	nStyles
)

// ttf returns the TrueType bytes of a style.
func (s fontStyle) ttf() []byte {
	switch s {
	case styleBold:
		return gobold.TTF
	case styleItalic:
		return goitalic.TTF
	case styleBoldItalic:
		return gobolditalic.TTF
	case styleMono:
		return gomono.TTF
	case styleMonoBold:
		return gomonobold.TTF
	}
	return goregular.TTF
}

// pdfFamily is the style's font family and style in the PDF.
func (s fontStyle) pdfFamily() (family, style string) {
	switch s {
	case styleBold:
		return "go", "B"
	case styleItalic:
		return "go", "I"
	case styleBoldItalic:
		return "go", "BI"
	case styleMono:
		return "gomono", ""
	case styleMonoBold:
		return "gomono", "B"
	}
	return "go", ""
}

// HTML-like label font flags (Graphviz's HTML_BF, HTML_IF, …), as in
// the xdot t operation and gvc.TextFont.Flags.
const (
	flagBold      = 1
	flagItalic    = 2
	flagUnderline = 4
	flagSup       = 8
	flagSub       = 16
	flagStrike    = 32
	flagOverline  = 64
)

// styleFor picks the embedded face for a Graphviz font name (as
// "Helvetica", "Helvetica-Bold", "Times-Italic", "Courier") and the HTML
// flags.
func styleFor(face string, flags int) fontStyle {
	f := strings.ToLower(face)
	bold := flags&flagBold != 0 || strings.Contains(f, "bold") || strings.Contains(f, "black") || strings.Contains(f, "heavy")
	italic := flags&flagItalic != 0 || strings.Contains(f, "italic") || strings.Contains(f, "oblique")
	if strings.Contains(f, "courier") || strings.Contains(f, "mono") {
		if bold {
			return styleMonoBold
		}
		return styleMono
	}
	switch {
	case bold && italic:
		return styleBoldItalic
	case bold:
		return styleBold
	case italic:
		return styleItalic
	}
	return styleRegular
}

// fontSet is the parsed Go fonts. An sfnt.Font is safe for concurrent
// use; the faces made from it are not, so each picture makes its own
// (faceCache).
type fontSet struct {
	fonts [nStyles]*sfnt.Font
}

func newFontSet() (*fontSet, error) {
	fs := &fontSet{}
	for s := range nStyles {
		f, err := opentype.Parse(s.ttf())
		if err != nil {
			return nil, fmt.Errorf("draw: parse embedded font %d: %w", s, err)
		}
		fs.fonts[s] = f
	}
	return fs, nil
}

// faceCache holds the faces of one picture by style and size.
type faceCache struct {
	set   *fontSet
	faces map[faceKey]font.Face
}

type faceKey struct {
	style fontStyle
	size  float64
}

func (fs *fontSet) cache() *faceCache {
	return &faceCache{set: fs, faces: map[faceKey]font.Face{}}
}

// face returns the face for a Graphviz font name, HTML flags and size in
// pixels (rounded to an eighth).
func (c *faceCache) face(name string, flags int, size float64) (font.Face, error) {
	k := faceKey{styleFor(name, flags), math.Max(math.Round(size*8)/8, 0.125)}
	if f, ok := c.faces[k]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(c.set.fonts[k.style], &opentype.FaceOptions{Size: k.size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("draw: font %q at %.1f: %w", name, size, err)
	}
	c.faces[k] = f
	return f, nil
}
