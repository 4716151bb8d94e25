package draw

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Point is a position in points (1/72 inch) in Graphviz's coordinates:
// the origin at the bottom left, y growing upwards.
type Point struct{ X, Y float64 }

// Rect is an axis-parallel box in points, Min its bottom-left corner and
// Max its top-right one.
type Rect struct{ Min, Max Point }

// Width is the box's width in points.
func (r Rect) Width() float64 { return r.Max.X - r.Min.X }

// Height is the box's height in points.
func (r Rect) Height() float64 { return r.Max.Y - r.Min.Y }

// Empty reports whether the box has no area.
func (r Rect) Empty() bool { return r.Max.X <= r.Min.X || r.Max.Y <= r.Min.Y }

// Overlaps reports whether r and s share some area (touching edges do not
// overlap).
func (r Rect) Overlaps(s Rect) bool {
	return !r.Empty() && !s.Empty() &&
		r.Min.X < s.Max.X && s.Min.X < r.Max.X && r.Min.Y < s.Max.Y && s.Min.Y < r.Max.Y
}

// Union is the smallest box holding r and s; an empty box adds nothing.
func (r Rect) Union(s Rect) Rect {
	switch {
	case s.Empty():
		return r
	case r.Empty():
		return s
	}
	return Rect{
		Min: Point{math.Min(r.Min.X, s.Min.X), math.Min(r.Min.Y, s.Min.Y)},
		Max: Point{math.Max(r.Max.X, s.Max.X), math.Max(r.Max.Y, s.Max.Y)},
	}
}

// Layout is a laid-out graph: where Graphviz put every node, edge label,
// cluster and text, in points, in Graphviz's coordinates (y up).
type Layout struct {
	// BB is the drawing's bounding box (without the graph's pad).
	BB Rect
	// Pad is the margin Graphviz adds around BB in every output, in
	// points (the graph's pad attribute; 4 by default).
	Pad Point
	// Nodes in the order of the graph.
	Nodes []Node
	// Edges in the order of the graph.
	Edges []Edge
	// Clusters are the subgraphs named cluster…, in the order of the graph.
	Clusters []Cluster
	// Labels is every block of text drawn: the labels of the graph,
	// clusters, nodes and edges, edges' and nodes' xlabels, and head and
	// tail labels. A block's box holds all its lines.
	Labels []Label
}

// Node is one laid-out node.
type Node struct {
	// ID is the node's name in the DOT.
	ID string
	// Label is the text drawn in or beside the node, lines joined by
	// "\n" (for an HTML-like label, its pieces joined by spaces or line
	// breaks as drawn).
	Label string
	// Shape is the node's shape attribute ("" for the default ellipse).
	Shape string
	// Center is the node's centre; Width and Height its size in points.
	Center        Point
	Width, Height float64
}

// Box is the node's bounding box.
func (n Node) Box() Rect {
	return Rect{
		Min: Point{n.Center.X - n.Width/2, n.Center.Y - n.Height/2},
		Max: Point{n.Center.X + n.Width/2, n.Center.Y + n.Height/2},
	}
}

// Edge is one laid-out edge.
type Edge struct {
	// Tail and Head are the ids of the nodes it joins (from Tail to Head).
	Tail, Head string
	// Label is the edge's label text ("" when it has none).
	Label string
	// LabelPos is the centre of the label; meaningful when Label is not "".
	LabelPos Point
	// Spline is the edge's path as Graphviz gives it in pos: the control
	// points of a piecewise cubic Bézier curve (arrow tips not included).
	Spline []Point
}

// Cluster is one laid-out cluster subgraph.
type Cluster struct {
	Name  string
	Label string
	BB    Rect
}

// LabelKind says what a block of text labels.
type LabelKind string

// The kinds of label.
const (
	LabelGraph   LabelKind = "graph"
	LabelCluster LabelKind = "cluster"
	LabelNode    LabelKind = "node"
	LabelEdge    LabelKind = "edge"     // an edge's label
	LabelEdgeEnd LabelKind = "edge-end" // head and tail labels
	LabelXLabel  LabelKind = "xlabel"   // a node's or an edge's xlabel
)

// Label is one block of drawn text.
type Label struct {
	Kind LabelKind
	// Owner names what it labels: the graph's, cluster's or node's name,
	// or "tail->head" (or "tail--head") for an edge.
	Owner string
	// Text is the drawn text, lines joined by "\n".
	Text string
	// Box holds every line of the text: each line's advance width as
	// Graphviz measured it, from 0.3 font sizes below its baseline to 0.9
	// above (Graphviz's line height is 1.2 font sizes).
	Box Rect
}

// Text boxes of a line relative to its baseline, in font sizes.
const (
	textBelow = 0.3
	textAbove = 0.9
)

// xdot is the JSON Graphviz writes (format json): the graph's attributes
// and the xdot drawing operations of every object.
type xdot struct {
	Name     string `json:"name"`
	Directed bool   `json:"directed"`
	Draw     []op   `json:"_draw_"`
	LDraw    []op   `json:"_ldraw_"`
	BB       string `json:"bb"`
	Pad      string `json:"pad"`
	Rotate   string `json:"rotate"`
	Land     string `json:"landscape"`
	Orient   string `json:"orientation"`
	// OutputOrder is the graph's outputorder attribute.
	OutputOrder string `json:"outputorder"`
	// Size, DPI and Resolution scale the PNG and PDF as Graphviz's outputs.
	Size       string     `json:"size"`
	DPI        string     `json:"dpi"`
	Resolution string     `json:"resolution"`
	Subgs      int        `json:"_subgraph_cnt"`
	Objects    []xobject  `json:"objects"`
	EdgeList   []xedgeObj `json:"edges"`
}

// xobject is a subgraph (the first _subgraph_cnt objects) or a node.
type xobject struct {
	GVID      int    `json:"_gvid"`
	Name      string `json:"name"`
	Draw      []op   `json:"_draw_"`
	LDraw     []op   `json:"_ldraw_"`
	BB        string `json:"bb"`
	Pos       string `json:"pos"`
	Width     string `json:"width"`
	Height    string `json:"height"`
	Shape     string `json:"shape"`
	XLP       string `json:"xlp"`
	Subgraphs []int  `json:"subgraphs"`
}

type xedgeObj struct {
	GVID   int    `json:"_gvid"`
	Tail   int    `json:"tail"`
	Head   int    `json:"head"`
	Draw   []op   `json:"_draw_"`
	HDraw  []op   `json:"_hdraw_"`
	TDraw  []op   `json:"_tdraw_"`
	LDraw  []op   `json:"_ldraw_"`
	HLDraw []op   `json:"_hldraw_"`
	TLDraw []op   `json:"_tldraw_"`
	Pos    string `json:"pos"`
	LP     string `json:"lp"`
	XLP    string `json:"xlp"`
}

// op is one xdot drawing operation (see Graphviz's xdot documentation).
type op struct {
	Op string `json:"op"`
	// E e: centre x, y and radii.
	Rect []float64 `json:"rect"`
	// P p L B b: points.
	Points [][]float64 `json:"points"`
	// C c: colour, or a gradient's stops.
	Grad  string     `json:"grad"`
	Color string     `json:"color"`
	Stops []gradStop `json:"stops"`
	// C c gradients: the start and end points (x, y, and the radius of
	// a radial gradient's circles).
	P0 []float64 `json:"p0"`
	P1 []float64 `json:"p1"`
	// F: font.
	Size float64 `json:"size"`
	Face string  `json:"face"`
	// T: text at pt (the baseline), aligned l, c or r, of width width.
	Pt    []float64 `json:"pt"`
	Align string    `json:"align"`
	Width float64   `json:"width"`
	Text  string    `json:"text"`
	// t: font characteristics (1 bold, 2 italic, 4 underline, 8
	// superscript, 16 subscript, 32 strike-through, 64 overline).
	Fontchar int `json:"fontchar"`
	// S: style.
	Style string `json:"style"`
	// I: image.
	Name string `json:"name"`
}

type gradStop struct {
	Frac  float64 `json:"frac"`
	Color string  `json:"color"`
}

// decodeXdot reads Graphviz's json output.
func decodeXdot(b []byte) (*xdot, error) {
	var x xdot
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("draw: reading Graphviz's layout (json): %w", err)
	}
	if x.Subgs < 0 || x.Subgs > len(x.Objects) {
		return nil, fmt.Errorf("draw: reading Graphviz's layout (json): %d subgraphs of %d objects", x.Subgs, len(x.Objects))
	}
	return &x, nil
}

// node returns the node with the given _gvid, or nil. Graphviz numbers
// subgraphs and nodes together: the nodes follow the subgraphs in objects.
func (x *xdot) node(gvid int) *xobject {
	if gvid < x.Subgs || gvid >= len(x.Objects) || x.Objects[gvid].GVID != gvid {
		for i := x.Subgs; i < len(x.Objects); i++ {
			if x.Objects[i].GVID == gvid {
				return &x.Objects[i]
			}
		}
		return nil
	}
	return &x.Objects[gvid]
}

// edgeName is "tail->head" or "tail--head".
func (x *xdot) edgeName(e *xedgeObj) string {
	t, h := x.node(e.Tail), x.node(e.Head)
	var tn, hn string
	if t != nil {
		tn = t.Name
	}
	if h != nil {
		hn = h.Name
	}
	if x.Directed {
		return tn + "->" + hn
	}
	return tn + "--" + hn
}

// layoutOf turns Graphviz's json output into a Layout.
func layoutOf(x *xdot) (*Layout, error) {
	l := &Layout{}
	var err error
	if l.BB, err = parseRect(x.BB); err != nil {
		return nil, fmt.Errorf("draw: graph bb: %w", err)
	}
	l.Pad = parsePad(x.Pad)
	add := func(kind LabelKind, owner string, ops []op) string {
		text, box := textOf(ops)
		if text != "" || !box.Empty() {
			l.Labels = append(l.Labels, Label{Kind: kind, Owner: owner, Text: text, Box: box})
		}
		return text
	}
	add(LabelGraph, x.Name, x.LDraw)
	for i := range x.Subgs {
		s := &x.Objects[i]
		if !strings.HasPrefix(s.Name, "cluster") {
			continue
		}
		bb, err := parseRect(s.BB)
		if err != nil {
			return nil, fmt.Errorf("draw: cluster %q bb: %w", s.Name, err)
		}
		l.Clusters = append(l.Clusters, Cluster{Name: s.Name, BB: bb, Label: add(LabelCluster, s.Name, s.LDraw)})
	}
	for i := x.Subgs; i < len(x.Objects); i++ {
		o := &x.Objects[i]
		n := Node{ID: o.Name, Shape: o.Shape}
		if n.Center, err = parsePoint(o.Pos); err != nil {
			return nil, fmt.Errorf("draw: node %q pos: %w", o.Name, err)
		}
		w, errW := strconv.ParseFloat(o.Width, 64)
		h, errH := strconv.ParseFloat(o.Height, 64)
		if err := errors.Join(errW, errH); err != nil {
			return nil, fmt.Errorf("draw: node %q size: %w", o.Name, err)
		}
		n.Width, n.Height = w*72, h*72
		own, x := splitXLabel(o.LDraw, n.Center, o.XLP)
		n.Label = add(LabelNode, o.Name, own)
		add(LabelXLabel, o.Name, x)
		l.Nodes = append(l.Nodes, n)
	}
	for i := range x.EdgeList {
		e := &x.EdgeList[i]
		t, h := x.node(e.Tail), x.node(e.Head)
		if t == nil || h == nil {
			return nil, fmt.Errorf("draw: edge %d joins unknown nodes %d and %d", e.GVID, e.Tail, e.Head)
		}
		name := x.edgeName(e)
		ed := Edge{Tail: t.Name, Head: h.Name, Spline: parseSpline(e.Pos)}
		own, x := splitXLabel(e.LDraw, ed.LabelPos, e.XLP)
		if e.LP != "" {
			if ed.LabelPos, err = parsePoint(e.LP); err != nil {
				return nil, fmt.Errorf("draw: edge %s lp: %w", name, err)
			}
			own, x = splitXLabel(e.LDraw, ed.LabelPos, e.XLP)
		}
		ed.Label = add(LabelEdge, name, own)
		add(LabelXLabel, name, x)
		add(LabelEdgeEnd, name, e.HLDraw)
		add(LabelEdgeEnd, name, e.TLDraw)
		l.Edges = append(l.Edges, ed)
	}
	return l, nil
}

// splitXLabel separates the text operations of an object's xlabel (at
// xlp) from those of its label (at at): Graphviz draws both in _ldraw_.
func splitXLabel(ops []op, at Point, xlp string) (label, xlabel []op) {
	xp, err := parsePoint(xlp)
	if xlp == "" || err != nil {
		return ops, nil
	}
	// Each T and the F, c, t operations before it belong together.
	var pending []op
	for _, o := range ops {
		pending = append(pending, o)
		if o.Op != "T" {
			continue
		}
		var c Point
		if len(o.Pt) >= 2 {
			c = Point{o.Pt[0], o.Pt[1]}
			switch o.Align {
			case "l":
				c.X += o.Width / 2
			case "r":
				c.X -= o.Width / 2
			}
		}
		if math.Hypot(c.X-xp.X, c.Y-xp.Y) < math.Hypot(c.X-at.X, c.Y-at.Y) {
			xlabel = append(xlabel, pending...)
		} else {
			label = append(label, pending...)
		}
		pending = nil
	}
	return append(label, pending...), xlabel
}

// textOf joins the texts of a draw list's T operations (lines by "\n",
// pieces on one baseline by nothing: Graphviz keeps their spaces) and
// returns the box holding them.
func textOf(ops []op) (string, Rect) {
	var b strings.Builder
	var box Rect
	size := 14.0
	lastY, first := 0.0, true
	for _, o := range ops {
		switch o.Op {
		case "F":
			size = o.Size
		case "T":
			if len(o.Pt) < 2 {
				continue
			}
			x, y := o.Pt[0], o.Pt[1]
			if !first {
				if math.Abs(y-lastY) > size/4 {
					b.WriteByte('\n')
				}
			}
			first = false
			lastY = y
			b.WriteString(xdotText(o.Text))
			x0 := x
			switch o.Align {
			case "c":
				x0 = x - o.Width/2
			case "r":
				x0 = x - o.Width
			}
			box = box.Union(Rect{Min: Point{x0, y - textBelow*size}, Max: Point{x0 + o.Width, y + textAbove*size}})
		}
	}
	return b.String(), box
}

// xdotText undoes xdot's escaping of backslashes in text.
func xdotText(s string) string { return strings.ReplaceAll(s, `\\`, `\`) }

// parsePoint reads "x,y" (a trailing "!" is allowed).
func parsePoint(s string) (Point, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "!")
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, fmt.Errorf("%q is not x,y", s)
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if err := errors.Join(errX, errY); err != nil {
		return Point{}, fmt.Errorf("%q: %w", s, err)
	}
	return Point{x, y}, nil
}

// parseRect reads "llx,lly,urx,ury" (Graphviz's output) or "llx lly
// urx ury" (its internal form right after layout).
func parseRect(s string) (Rect, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(f) != 4 {
		return Rect{}, fmt.Errorf("%q is not llx,lly,urx,ury", s)
	}
	var v [4]float64
	for i := range f {
		x, err := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
		if err != nil {
			return Rect{}, fmt.Errorf("%q: %w", s, err)
		}
		v[i] = x
	}
	return Rect{Min: Point{v[0], v[1]}, Max: Point{v[2], v[3]}}, nil
}

// parsePad reads the graph's pad (inches, "x" or "x,y"); Graphviz's
// default is 4 points.
func parsePad(s string) Point {
	if s == "" {
		return Point{4, 4}
	}
	xs, ys, ok := strings.Cut(s, ",")
	x, err := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	if err != nil || x < 0 {
		return Point{4, 4}
	}
	y := x
	if ok {
		if v, err := strconv.ParseFloat(strings.TrimSpace(ys), 64); err == nil && v >= 0 {
			y = v
		}
	}
	return Point{x * 72, y * 72}
}

// parseSpline reads an edge's pos: optional "s,x,y" and "e,x,y" arrow
// tips, then the control points; several splines are separated by ";".
func parseSpline(s string) []Point {
	var pts []Point
	for _, part := range strings.Split(s, ";") {
		for _, f := range strings.Fields(part) {
			if strings.HasPrefix(f, "s,") || strings.HasPrefix(f, "e,") {
				continue
			}
			if p, err := parsePoint(f); err == nil {
				pts = append(pts, p)
			}
		}
	}
	return pts
}
