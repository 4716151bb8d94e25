package draw

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// maxPagePoints is the largest PDF page side (200 inches, PDF's limit).
const maxPagePoints = 14400

// writePDF draws Graphviz's drawing operations (its json output) as a
// one-page vector PDF of the drawing's size (scaled by the graph's size
// attribute, as Graphviz does).
func writePDF(x *xdot) ([]byte, error) {
	if err := checkOrientation(x); err != nil {
		return nil, err
	}
	bb, err := parseRect(x.BB)
	if err != nil {
		return nil, fmt.Errorf("draw: pdf: graph bb: %w", err)
	}
	pad := parsePad(x.Pad)
	scale := outputScale(x, bb)
	w, h := (bb.Width()+2*pad.X)*scale, (bb.Height()+2*pad.Y)*scale
	if w > maxPagePoints || h > maxPagePoints {
		return nil, fmt.Errorf("%w: the drawing is %.0f×%.0f points; a PDF page is at most %d across (set the graph's size)",
			ErrTooLarge, w, h, maxPagePoints)
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "pt", Size: fpdf.SizeType{Wd: w, Ht: h}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(true)
	// A fixed date and catalogue order, so that the same DOT gives the
	// same bytes (a picture can be cached by its input).
	date := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetCreator("Samspill (Graphviz layout)", true)
	pdf.AddPage()
	s := &pdfSurface{pdf: pdf, scale: scale, ox: pad.X - bb.Min.X, oy: pad.Y - bb.Min.Y, h: h}
	if err := paint(x, s); err != nil {
		return nil, fmt.Errorf("draw: pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("draw: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// checkOrientation refuses a rotated drawing: its operations are in the
// unrotated layout's coordinates, and neither writer rotates.
func checkOrientation(x *xdot) error {
	if strings.TrimSpace(x.Rotate) == "90" || isTrue(x.Land) || strings.HasPrefix(strings.ToLower(x.Orient), "l") {
		return fmt.Errorf("%w: a rotated (landscape) graph in PDF or PNG (draw it as SVG)", ErrUnsupported)
	}
	return nil
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}

// pdfSurface draws on a PDF page.
type pdfSurface struct {
	pdf    *fpdf.Fpdf
	scale  float64
	ox, oy float64 // (Graphviz point + (ox, oy)) · scale = point on the page, y up
	h      float64 // page height
	fonts  [nStyles]bool
}

// pt maps a Graphviz point to the page (y down).
func (s *pdfSurface) pt(p Point) (float64, float64) {
	return (p.X + s.ox) * s.scale, s.h - (p.Y+s.oy)*s.scale
}

func (s *pdfSurface) err() error {
	if err := s.pdf.Error(); err != nil {
		return fmt.Errorf("fpdf: %w", err)
	}
	return nil
}

func (s *pdfSurface) path(p path) {
	p.trace(pen{pt: s.pt, move: s.pdf.MoveTo, line: s.pdf.LineTo, curve: s.pdf.CurveBezierCubicTo, close: s.pdf.ClosePath})
}

func (s *pdfSurface) fill(p path, f fillStyle) error {
	if g := f.grad; g != nil && len(g.stops) >= 2 {
		return s.gradient(p, g)
	}
	c := f.colour
	s.pdf.SetFillColor(int(c.r), int(c.g), int(c.b))
	s.pdf.SetAlpha(float64(c.a)/255, "Normal")
	s.path(p)
	s.pdf.DrawPath("F")
	return s.err()
}

// gradient fills the path with a gradient between its first and last
// colours (fpdf's gradients have two), clipped to the path flattened
// into a polygon.
func (s *pdfSurface) gradient(p path, g *gradient) error {
	box := p.bounds()
	w, h := box.Width(), box.Height()
	if w <= 0 || h <= 0 {
		return nil
	}
	var poly []fpdf.PointType
	for _, q := range p.flatten() {
		x, y := s.pt(q)
		poly = append(poly, fpdf.PointType{X: x, Y: y})
	}
	rel := func(q Point) (float64, float64) { return (q.X - box.Min.X) / w, (q.Y - box.Min.Y) / h }
	a, b := g.stops[0].colour, g.stops[len(g.stops)-1].colour
	x, y := s.pt(Point{box.Min.X, box.Max.Y})
	s.pdf.SetAlpha(float64(a.a)/255, "Normal")
	s.pdf.ClipPolygon(poly, false)
	x0, y0 := rel(g.p0)
	x1, y1 := rel(g.p1)
	if g.radial {
		s.pdf.RadialGradient(x, y, w*s.scale, h*s.scale, int(a.r), int(a.g), int(a.b), int(b.r), int(b.g), int(b.b),
			x0, y0, x1, y1, g.r1/math.Max(w, h))
	} else {
		s.pdf.LinearGradient(x, y, w*s.scale, h*s.scale, int(a.r), int(a.g), int(a.b), int(b.r), int(b.g), int(b.b),
			x0, y0, x1, y1)
	}
	s.pdf.ClipEnd()
	return s.err()
}

func (s *pdfSurface) stroke(p path, st strokeStyle) error {
	c := st.colour
	s.pdf.SetDrawColor(int(c.r), int(c.g), int(c.b))
	s.pdf.SetAlpha(float64(c.a)/255, "Normal")
	s.pdf.SetLineWidth(st.width * s.scale)
	dash := []float64{}
	for _, d := range st.dash {
		dash = append(dash, d*s.scale)
	}
	s.pdf.SetDashPattern(dash, 0)
	s.path(p)
	s.pdf.DrawPath("D")
	return s.err()
}

// text sets one piece of text in the Go font closest to the one asked
// for, at the size Graphviz laid out or smaller: a text wider than the
// width Graphviz measured (see fitWidth) is set smaller until it fits, so
// that it does not leave its box. A character the Go fonts lack shows as the font's
// missing-glyph box and stays in the text.
func (s *pdfSurface) text(t textRun) error {
	style := styleFor(t.face, t.flags)
	family, fstyle := style.pdfFamily()
	if !s.fonts[style] {
		s.pdf.AddUTF8FontFromBytes(family, fstyle, style.ttf())
		s.fonts[style] = true
	}
	size := t.size
	s.pdf.SetFont(family, fstyle, size*s.scale)
	measure := func(x string) float64 { return s.pdf.GetStringWidth(x) / s.scale }
	w := measure(t.s)
	if limit := fitWidth(t, measure); limit > 0 && w > limit*1.001 {
		size *= limit / w
		s.pdf.SetFontSize(size * s.scale)
		w = s.pdf.GetStringWidth(t.s) / s.scale
	}
	at := t.at
	switch t.align {
	case 'c':
		at.X -= w / 2
	case 'r':
		at.X -= w
	}
	at.Y += baselineShift(t.flags) * size
	c := t.colour
	s.pdf.SetTextColor(int(c.r), int(c.g), int(c.b))
	s.pdf.SetAlpha(float64(c.a)/255, "Normal")
	x, y := s.pt(at)
	s.pdf.Text(x, y, t.s)
	if marks := textMarks(t.flags); len(marks) > 0 {
		s.pdf.SetDrawColor(int(c.r), int(c.g), int(c.b))
		s.pdf.SetLineWidth(math.Max(size/16, 0.5) * s.scale)
		s.pdf.SetDashPattern([]float64{}, 0)
		for _, dy := range marks {
			x0, y0 := s.pt(Point{at.X, at.Y + dy*size})
			x1, _ := s.pt(Point{at.X + w, at.Y + dy*size})
			s.pdf.Line(x0, y0, x1, y0)
		}
	}
	return s.err()
}
