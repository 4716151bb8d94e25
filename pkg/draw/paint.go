package draw

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The PDF and PNG outputs are drawn by this package, not by Graphviz:
// Graphviz lays the graph out and writes its drawing operations (xdot,
// in its json output), and paint runs them on a surface. go-graphviz
// v0.2.10 has no PDF output, and its PNG output draws no lines at all (no
// edges, no outlines: measured on the person map).

// surface is a PDF page or a PNG image. Coordinates are Graphviz's.
type surface interface {
	fill(p path, f fillStyle) error
	stroke(p path, s strokeStyle) error
	text(t textRun) error
}

// seg is one piece of a path: M (move), L (line), C (cubic Bézier through
// two control points to the third), Z (close).
type seg struct {
	op  byte
	pts [3]Point
}

type path []seg

// pen is what a surface's drawing library offers to trace a path, in its
// own coordinates.
type pen struct {
	pt    func(Point) (float64, float64)
	move  func(x, y float64)
	line  func(x, y float64)
	curve func(x1, y1, x2, y2, x3, y3 float64)
	close func()
}

// trace walks p with the pen.
func (p path) trace(d pen) {
	for _, sg := range p {
		switch sg.op {
		case 'M':
			d.move(d.pt(sg.pts[0]))
		case 'L':
			d.line(d.pt(sg.pts[0]))
		case 'C':
			x1, y1 := d.pt(sg.pts[0])
			x2, y2 := d.pt(sg.pts[1])
			x3, y3 := d.pt(sg.pts[2])
			d.curve(x1, y1, x2, y2, x3, y3)
		case 'Z':
			d.close()
		}
	}
}

// flatten returns the path's points with each curve replaced by a few
// lines (for a PDF clip, which takes polygons).
func (p path) flatten() []Point {
	var out []Point
	var cur Point
	for _, s := range p {
		switch s.op {
		case 'M', 'L':
			cur = s.pts[0]
			out = append(out, cur)
		case 'C':
			p0, p1, p2, p3 := cur, s.pts[0], s.pts[1], s.pts[2]
			for i := 1; i <= 8; i++ {
				t := float64(i) / 8
				u := 1 - t
				out = append(out, Point{
					u*u*u*p0.X + 3*u*u*t*p1.X + 3*u*t*t*p2.X + t*t*t*p3.X,
					u*u*u*p0.Y + 3*u*u*t*p1.Y + 3*u*t*t*p2.Y + t*t*t*p3.Y,
				})
			}
			cur = p3
		}
	}
	return out
}

// bounds is the box of the path's points (control points included).
func (p path) bounds() Rect {
	r := Rect{Min: Point{math.Inf(1), math.Inf(1)}, Max: Point{math.Inf(-1), math.Inf(-1)}}
	for _, s := range p {
		n := 1
		if s.op == 'C' {
			n = 3
		}
		for _, q := range s.pts[:n] {
			if s.op == 'Z' {
				break
			}
			r.Min.X, r.Max.X = math.Min(r.Min.X, q.X), math.Max(r.Max.X, q.X)
			r.Min.Y, r.Max.Y = math.Min(r.Min.Y, q.Y), math.Max(r.Max.Y, q.Y)
		}
	}
	return r
}

// fillStyle is a colour, or a gradient between colours.
type fillStyle struct {
	colour rgba
	grad   *gradient
}

// gradient is a linear gradient from P0 to P1, or a radial one between
// the circles (P0, R0) and (P1, R1).
type gradient struct {
	radial bool
	p0, p1 Point
	r0, r1 float64
	stops  []colourStop
}

type colourStop struct {
	at     float64
	colour rgba
}

type strokeStyle struct {
	colour rgba
	width  float64
	dash   []float64 // nil: solid
}

// textRun is one piece of text on a baseline.
type textRun struct {
	s string
	// at is the point on the baseline the text is aligned to: its left
	// end (align 'l'), centre ('c') or right end ('r').
	at    Point
	align byte
	// width is the text's width as Graphviz measured it; the surface sets
	// the text smaller where its font is wider, so that it stays in its box.
	width  float64
	size   float64
	face   string
	flags  int
	colour rgba
}

type rgba struct{ r, g, b, a uint8 }

// paint runs Graphviz's drawing operations on a surface, in Graphviz's
// order: the graph's background and label, the clusters, then the edges
// and nodes (edges first, unless outputorder is nodesfirst: Graphviz's
// default draws each edge after its nodes, which differs only where an
// edge crosses a filled node, which dot avoids).
func paint(x *xdot, s surface) error {
	lists := [][]op{x.Draw, x.LDraw}
	for i := range x.Subgs {
		lists = append(lists, x.Objects[i].Draw, x.Objects[i].LDraw)
	}
	var nodes, edges [][]op
	for i := x.Subgs; i < len(x.Objects); i++ {
		nodes = append(nodes, x.Objects[i].Draw, x.Objects[i].LDraw)
	}
	for i := range x.EdgeList {
		e := &x.EdgeList[i]
		edges = append(edges, e.Draw, e.TDraw, e.HDraw, e.LDraw, e.TLDraw, e.HLDraw)
	}
	if strings.EqualFold(x.OutputOrder, "nodesfirst") {
		lists = append(append(lists, nodes...), edges...)
	} else {
		lists = append(append(lists, edges...), nodes...)
	}
	var st paintState
	for _, ops := range lists {
		if err := st.run(ops, s); err != nil {
			return err
		}
	}
	return nil
}

// paintState is the state of one draw list: each starts afresh.
type paintState struct {
	pen       rgba
	fill      fillStyle
	fillSet   bool
	width     float64
	dash      []float64
	invisible bool
	fontSize  float64
	fontFace  string
	fontFlags int
}

func (st *paintState) run(ops []op, s surface) error {
	*st = paintState{pen: rgba{0, 0, 0, 255}, width: 1, fontSize: 14, fontFace: "Times-Roman"}
	for i := range ops {
		o := &ops[i]
		var p path
		var filled bool
		switch o.Op {
		case "c":
			st.pen = parseColour(o.Color)
			continue
		case "C":
			st.fillSet = true
			st.fill = fillOf(o)
			continue
		case "S":
			st.style(o.Style)
			continue
		case "F":
			st.fontSize, st.fontFace = o.Size, o.Face
			continue
		case "t":
			st.fontFlags = o.Fontchar
			continue
		case "T":
			if err := st.text(o, s); err != nil {
				return err
			}
			continue
		case "E", "e":
			if len(o.Rect) < 4 {
				return fmt.Errorf("draw: xdot ellipse %v", o.Rect)
			}
			p, filled = ellipsePath(Point{o.Rect[0], o.Rect[1]}, o.Rect[2], o.Rect[3]), o.Op == "E"
		case "P", "p":
			pts, err := points(o)
			if err != nil {
				return err
			}
			p, filled = linePath(pts, true), o.Op == "P"
		case "L":
			pts, err := points(o)
			if err != nil {
				return err
			}
			p = linePath(pts, false)
		case "B", "b":
			pts, err := points(o)
			if err != nil {
				return err
			}
			// Graphviz 12 writes "B" for a filled curve (a filled rounded
			// box) and "b" for an unfilled one (an unfilled rounded box, its
			// outer periphery, the lines of a multi-colour edge), the
			// reverse of the xdot documentation; an edge is "B" with no fill
			// colour. So a curve is filled when it is "B" after a fill
			// colour, as Graphviz's SVG output draws them.
			filled = o.Op == "B" && st.fillSet
			p = curvePath(pts, filled)
		case "I":
			return fmt.Errorf("%w: an image (%q)", ErrUnsupported, o.Name)
		default:
			return fmt.Errorf("%w: xdot operation %q", ErrUnsupported, o.Op)
		}
		if len(p) == 0 || st.invisible {
			continue
		}
		if filled && st.fillSet && (st.fill.grad != nil || st.fill.colour.a > 0) {
			if err := s.fill(p, st.fill); err != nil {
				return err
			}
		}
		if st.pen.a > 0 && st.width > 0 {
			if err := s.stroke(p, strokeStyle{colour: st.pen, width: st.width, dash: st.dash}); err != nil {
				return err
			}
		}
	}
	return nil
}

// style applies one xdot style item; the others (filled, rounded,
// diagonals, tapered, striped, wedged, radial) have already shaped the
// operations.
func (st *paintState) style(s string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "solid":
		st.dash = nil
	case s == "dashed":
		st.dash = []float64{5, 2} // as Graphviz's SVG
	case s == "dotted":
		st.dash = []float64{1, 5}
	case s == "bold":
		st.width = 2
	case s == "invis" || s == "invisible":
		st.invisible = true
	case strings.HasPrefix(s, "setlinewidth("):
		v := strings.TrimSuffix(strings.TrimPrefix(s, "setlinewidth("), ")")
		if w, err := strconv.ParseFloat(v, 64); err == nil && w >= 0 {
			st.width = w
		}
	}
}

func (st *paintState) text(o *op, s surface) error {
	if len(o.Pt) < 2 {
		return fmt.Errorf("draw: xdot text point %v", o.Pt)
	}
	t := xdotText(o.Text)
	if st.invisible || st.pen.a == 0 || strings.TrimSpace(t) == "" {
		return nil
	}
	align := byte('c')
	if o.Align != "" {
		align = o.Align[0]
	}
	size := st.fontSize
	if size <= 0 {
		size = 14
	}
	return s.text(textRun{s: t, at: Point{o.Pt[0], o.Pt[1]}, align: align, width: o.Width,
		size: size, face: st.fontFace, flags: st.fontFlags, colour: st.pen})
}

func points(o *op) ([]Point, error) {
	pts := make([]Point, len(o.Points))
	for i, q := range o.Points {
		if len(q) < 2 {
			return nil, fmt.Errorf("draw: xdot point %v in %q", q, o.Op)
		}
		pts[i] = Point{q[0], q[1]}
	}
	return pts, nil
}

func linePath(pts []Point, closed bool) path {
	if len(pts) < 2 {
		return nil
	}
	p := path{{op: 'M', pts: [3]Point{pts[0]}}}
	for _, q := range pts[1:] {
		p = append(p, seg{op: 'L', pts: [3]Point{q}})
	}
	if closed {
		p = append(p, seg{op: 'Z'})
	}
	return p
}

// curvePath is a piecewise cubic Bézier curve: a start point, then three
// points per piece.
func curvePath(pts []Point, closed bool) path {
	if len(pts) < 4 {
		return nil
	}
	p := path{{op: 'M', pts: [3]Point{pts[0]}}}
	for i := 1; i+2 < len(pts); i += 3 {
		p = append(p, seg{op: 'C', pts: [3]Point{pts[i], pts[i+1], pts[i+2]}})
	}
	if closed {
		p = append(p, seg{op: 'Z'})
	}
	return p
}

// ellipsePath is an ellipse as four Bézier curves.
func ellipsePath(c Point, rx, ry float64) path {
	const k = 0.5522847498 // 4/3·(√2−1)
	kx, ky := k*rx, k*ry
	return path{
		{op: 'M', pts: [3]Point{{c.X + rx, c.Y}}},
		{op: 'C', pts: [3]Point{{c.X + rx, c.Y + ky}, {c.X + kx, c.Y + ry}, {c.X, c.Y + ry}}},
		{op: 'C', pts: [3]Point{{c.X - kx, c.Y + ry}, {c.X - rx, c.Y + ky}, {c.X - rx, c.Y}}},
		{op: 'C', pts: [3]Point{{c.X - rx, c.Y - ky}, {c.X - kx, c.Y - ry}, {c.X, c.Y - ry}}},
		{op: 'C', pts: [3]Point{{c.X + kx, c.Y - ry}, {c.X + rx, c.Y - ky}, {c.X + rx, c.Y}}},
		{op: 'Z'},
	}
}

// fillOf reads a C operation: a colour or a gradient.
func fillOf(o *op) fillStyle {
	if (o.Grad != "linear" && o.Grad != "radial") || len(o.Stops) == 0 {
		return fillStyle{colour: parseColour(o.Color)}
	}
	g := &gradient{radial: o.Grad == "radial"}
	at := func(v []float64) (Point, float64) {
		var p Point
		var r float64
		if len(v) >= 2 {
			p = Point{v[0], v[1]}
		}
		if len(v) >= 3 {
			r = v[2]
		}
		return p, r
	}
	g.p0, g.r0 = at(o.P0)
	g.p1, g.r1 = at(o.P1)
	for _, s := range o.Stops {
		g.stops = append(g.stops, colourStop{at: s.Frac, colour: parseColour(s.Color)})
	}
	return fillStyle{colour: g.stops[0].colour, grad: g}
}

// parseColour reads Graphviz's "#rrggbb" or "#rrggbbaa" (the form its
// xdot output uses) and a few names; anything else is black, so that a
// line or text is never lost.
func parseColour(s string) rgba {
	s = strings.TrimSpace(strings.ToLower(s))
	if strings.HasPrefix(s, "#") && (len(s) == 7 || len(s) == 9) {
		if v, err := strconv.ParseUint(s[1:], 16, 32); err == nil {
			if len(s) == 7 {
				return rgba{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
			}
			return rgba{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}
		}
	}
	switch s {
	case "none", "transparent", "invis":
		return rgba{}
	case "white":
		return rgba{255, 255, 255, 255}
	case "red":
		return rgba{255, 0, 0, 255}
	case "green":
		return rgba{0, 255, 0, 255}
	case "blue":
		return rgba{0, 0, 255, 255}
	}
	return rgba{0, 0, 0, 255}
}

// outputScale is the factor the graph's size attribute applies to the
// drawing: below 1 when the drawing is larger than size, above 1 when it
// is smaller and size ends in "!".
func outputScale(x *xdot, bb Rect) float64 {
	sw, sh, fill, ok := parseSize(x.Size)
	w, h := bb.Width(), bb.Height()
	if !ok || w <= 0 || h <= 0 {
		return 1
	}
	s := math.Min(sw/w, sh/h)
	if s < 1 || fill {
		return s
	}
	return 1
}

// fitWidth is the width a text may take in the Go fonts before it is set
// smaller: Graphviz's estimate of its width, with each non-ASCII letter at
// its width in the Go font (measure, at the text's size) instead of
// Graphviz's placeholder for it. Graphviz 12 estimates ASCII with the
// font's metrics but counts every byte of a non-ASCII letter's UTF-8 as a
// space (ø is 0.56 em in Helvetica, Æ too, against 0.61 and 1.0 in
// Helvetica itself), so a Nordic name keeps its size rather than shrink
// to Graphviz's guess. 0 means no limit.
func fitWidth(t textRun, measure func(string) float64) float64 {
	if t.width <= 0 {
		return 0
	}
	var non strings.Builder
	n := 0
	for _, r := range t.s {
		if r >= utf8.RuneSelf {
			non.WriteRune(r)
			n += utf8.RuneLen(r)
		}
	}
	if n == 0 {
		return t.width
	}
	return t.width - float64(n)*spaceEm(t.face)*t.size + measure(non.String())
}

// spaceEm is the width of a space in Graphviz's estimates of a font, in
// ems: 0.6 for Courier, 0.278 for Helvetica and Arial, 0.318 for DejaVu
// Sans, 0.25 for Times and the fonts it does not know.
func spaceEm(face string) float64 {
	f := strings.ToLower(face)
	switch {
	case strings.Contains(f, "courier") || strings.Contains(f, "mono"):
		return 0.6
	case strings.Contains(f, "dejavu"):
		return 0.318
	case (strings.Contains(f, "helvetica") || strings.Contains(f, "arial")) && !strings.Contains(f, "-"):
		return 0.278
	}
	return 0.25
}

// textMarks are the offsets from the baseline, in font sizes, of the
// lines of underline, strike-through and overline in flags.
func textMarks(flags int) []float64 {
	var marks []float64
	if flags&flagUnderline != 0 {
		marks = append(marks, -0.12)
	}
	if flags&flagStrike != 0 {
		marks = append(marks, 0.3)
	}
	if flags&flagOverline != 0 {
		marks = append(marks, 0.78)
	}
	return marks
}

// baselineShift is how far a superscript or subscript moves up, in font
// sizes (Graphviz's json puts it on the line's baseline).
func baselineShift(flags int) float64 {
	switch {
	case flags&flagSup != 0:
		return 0.35
	case flags&flagSub != 0:
		return -0.2
	}
	return 0
}
