package draw

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"strings"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"
)

// defaultDPI is the resolution of a PNG when the graph sets no dpi, as
// Graphviz's bitmap outputs.
const defaultDPI = 96

// writePNG rasterises Graphviz's drawing operations at the graph's dpi
// (96 by default), scaled by its size attribute, refusing a picture of
// more than maxPixels pixels before allocating it.
func writePNG(x *xdot, fonts *faceCache, maxPixels int64) ([]byte, error) {
	if err := checkOrientation(x); err != nil {
		return nil, err
	}
	bb, err := parseRect(x.BB)
	if err != nil {
		return nil, fmt.Errorf("draw: png: graph bb: %w", err)
	}
	pad := parsePad(x.Pad)
	dpi := float64(defaultDPI)
	for _, v := range []string{x.DPI, x.Resolution} {
		if d, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && d > 0 {
			dpi = d
		}
	}
	k := outputScale(x, bb) * dpi / 72
	fw, fh := (bb.Width()+2*pad.X)*k, (bb.Height()+2*pad.Y)*k
	if fw > maxSide || fh > maxSide || fw*fh > float64(maxPixels) {
		return nil, fmt.Errorf("%w: the PNG would be %.0f×%.0f pixels; at most %d pixels and %d across (lower the dpi, set the graph's size, or draw it as SVG or PDF)",
			ErrTooLarge, fw, fh, maxPixels, maxSide)
	}
	w, h := max(1, int(math.Ceil(fw))), max(1, int(math.Ceil(fh)))
	dc := gg.NewContext(w, h)
	if bg, ok := background(x); ok {
		dc.SetColor(bg)
		dc.Clear()
	}
	dc.SetLineCap(gg.LineCapButt)
	s := &pngSurface{dc: dc, fonts: fonts, k: k, ox: pad.X - bb.Min.X, oy: pad.Y - bb.Min.Y, h: float64(h)}
	if err := paint(x, s); err != nil {
		return nil, fmt.Errorf("draw: png: %w", err)
	}
	var buf bytes.Buffer
	// The fastest compression: a quarter less time than the default on
	// the 40-actor person map (the encoding is half of a PNG's time).
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, dc.Image()); err != nil {
		return nil, fmt.Errorf("draw: png: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// maxSide is the most pixels a PNG may have across.
const maxSide = 32767

// background is the graph's background colour: the fill of its first
// drawing operation (Graphviz draws the background over bb only; the
// picture's pad gets it here too).
func background(x *xdot) (color.Color, bool) {
	for _, o := range x.Draw {
		if o.Op == "C" {
			c := fillOf(&o).colour
			return color.NRGBA{c.r, c.g, c.b, c.a}, c.a > 0
		}
	}
	return nil, false
}

// pngSurface draws on an image.
type pngSurface struct {
	dc     *gg.Context
	fonts  *faceCache
	k      float64 // pixels per point
	ox, oy float64
	h      float64
}

func (s *pngSurface) pt(p Point) (float64, float64) {
	return (p.X + s.ox) * s.k, s.h - (p.Y+s.oy)*s.k
}

func nrgba(c rgba) color.NRGBA { return color.NRGBA{c.r, c.g, c.b, c.a} }

func (s *pngSurface) path(p path) {
	s.dc.ClearPath()
	p.trace(pen{pt: s.pt, move: s.dc.MoveTo, line: s.dc.LineTo, curve: s.dc.CubicTo, close: s.dc.ClosePath})
}

func (s *pngSurface) fill(p path, f fillStyle) error {
	if g := f.grad; g != nil && len(g.stops) >= 2 {
		x0, y0 := s.pt(g.p0)
		x1, y1 := s.pt(g.p1)
		var pat gg.Gradient
		if g.radial {
			pat = gg.NewRadialGradient(x0, y0, g.r0*s.k, x1, y1, g.r1*s.k)
		} else {
			pat = gg.NewLinearGradient(x0, y0, x1, y1)
		}
		for _, st := range g.stops {
			pat.AddColorStop(st.at, nrgba(st.colour))
		}
		s.dc.SetFillStyle(pat)
	} else {
		s.dc.SetColor(nrgba(f.colour))
	}
	s.path(p)
	s.dc.Fill()
	return nil
}

func (s *pngSurface) stroke(p path, st strokeStyle) error {
	s.dc.SetColor(nrgba(st.colour))
	s.dc.SetLineWidth(st.width * s.k)
	dash := make([]float64, len(st.dash))
	for i, d := range st.dash {
		dash[i] = d * s.k
	}
	s.dc.SetDash(dash...)
	s.path(p)
	s.dc.Stroke()
	return nil
}

// text sets one piece of text as pdfSurface.text does.
func (s *pngSurface) text(t textRun) error {
	px := t.size * s.k
	face, err := s.fonts.face(t.face, t.flags, px)
	if err != nil {
		return err
	}
	w := measure(face, t.s)
	if limit := fitWidth(t, func(x string) float64 { return measure(face, x) / s.k }) * s.k; limit > 0 && w > limit*1.001 {
		px *= limit / w
		if face, err = s.fonts.face(t.face, t.flags, px); err != nil {
			return err
		}
		w = measure(face, t.s)
	}
	x, y := s.pt(Point{t.at.X, t.at.Y + baselineShift(t.flags)*t.size})
	switch t.align {
	case 'c':
		x -= w / 2
	case 'r':
		x -= w
	}
	s.dc.SetColor(nrgba(t.colour))
	s.dc.SetFontFace(face)
	s.dc.DrawString(t.s, x, y)
	// A character the Go fonts lack: its missing-glyph box, which the
	// rasteriser leaves blank, drawn as a box, so that no text vanishes.
	for i, r := range t.s {
		if _, ok := face.GlyphAdvance(r); ok || r == ' ' {
			continue
		}
		adv, _ := face.GlyphAdvance(r)
		a := float64(adv) / 64
		x0 := x + measure(face, t.s[:i])
		s.dc.SetLineWidth(math.Max(px/20, 1))
		s.dc.SetDash()
		s.dc.DrawRectangle(x0+a*0.1, y-px*0.7, a*0.8, px*0.7)
		s.dc.Stroke()
	}
	if marks := textMarks(t.flags); len(marks) > 0 {
		s.dc.SetLineWidth(math.Max(px/16, 1))
		s.dc.SetDash()
		for _, dy := range marks {
			s.dc.DrawLine(x, y-dy*px, x+w, y-dy*px)
			s.dc.Stroke()
		}
	}
	return nil
}

func measure(f font.Face, s string) float64 {
	return float64(font.MeasureString(f, s)) / 64
}
