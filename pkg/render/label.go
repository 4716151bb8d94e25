package render

import (
	"fmt"

	"github.com/samspill/samspill/pkg/dot"
)

// Font sizes, in points.
const (
	sizeName  = 11.0 // an actor's name
	sizeSmall = 8.5  // the line under it
	sizeBadge = 9.0  // gap numbers
	sizeTitle = 16.0 // the graph's title
	sizeList  = 9.0  // the gap list and the legend
	sizeHead  = 11.0 // headings of the list and the legend
)

// Padding, in points.
const (
	cellPad   = 1.0 // around each line of a label
	badgePad  = 2.0 // around the numbers of a badge
	nodeMarX  = 6.0 // between a label and its node's border, across
	nodeMarY  = 4.0 // and up and down
	slack     = 2.0 // added to every estimated box
	nameWidth = 110.0
)

// line is one line of a label, in one style.
type line struct {
	text         string
	size         float64
	bold, italic bool
	strike       bool
	colour       string // "" for the default ink
}

func (l line) width() float64  { return textWidth(l.text, l.size, l.bold) }
func (l line) height() float64 { return lineHeight(l.size) }

// content returns the line as HTML-like content.
func (l line) content() dot.Content {
	c := dot.Text(l.text)
	if l.strike {
		c = dot.Strike(c)
	}
	if l.italic {
		c = dot.Italic(c)
	}
	if l.bold {
		c = dot.Bold(c)
	}
	attrs := []dot.HAttr{{Key: "POINT-SIZE", Value: num(l.size)}}
	if l.colour != "" {
		attrs = append(attrs, dot.HAttr{Key: "COLOR", Value: l.colour})
	}
	return dot.Font(attrs, c)
}

// label is the label of a node: lines of text, and an optional badge
// (gap numbers, white on a colour) at the right of the first line.
type label struct {
	lines       []line
	badge       string
	badgeColour string
}

// size returns the estimated width and height of the label's table.
func (l label) size() (w, h float64) {
	for i, ln := range l.lines {
		lw, lh := ln.width()+2*cellPad, ln.height()+2*cellPad
		if i == 0 && l.badge != "" {
			lw += textWidth(l.badge, sizeBadge, true) + 2*badgePad
			lh = max(lh, lineHeight(sizeBadge)+2*badgePad)
		}
		w = max(w, lw)
		h += lh
	}
	return w + slack, h + slack
}

// nodeSize returns the estimated size of a box node holding the label.
func (l label) nodeSize() (w, h float64) {
	w, h = l.size()
	return w + 2*nodeMarX, h + 2*nodeMarY
}

// html returns the label as an HTML-like label.
func (l label) html() (dot.HTML, error) {
	var rows []dot.Content
	span := []dot.HAttr(nil)
	if l.badge != "" {
		span = []dot.HAttr{{Key: "COLSPAN", Value: "2"}}
	}
	for i, ln := range l.lines {
		if i == 0 && l.badge != "" {
			colour := l.badgeColour
			if colour == "" {
				colour = colourGap
			}
			rows = append(rows, dot.Row(
				dot.Cell(nil, ln.content()),
				dot.Cell([]dot.HAttr{{Key: "BGCOLOR", Value: colour}, {Key: "CELLPADDING", Value: num(badgePad)}},
					dot.Font([]dot.HAttr{{Key: "COLOR", Value: "#ffffff"}, {Key: "POINT-SIZE", Value: num(sizeBadge)}},
						dot.Bold(dot.Text(l.badge))))))
			continue
		}
		rows = append(rows, dot.Row(dot.Cell(span, ln.content())))
	}
	if len(rows) == 0 {
		rows = append(rows, dot.Row(dot.Cell(nil)))
	}
	h, err := dot.HTMLLabel(dot.Table([]dot.HAttr{
		{Key: "BORDER", Value: "0"}, {Key: "CELLBORDER", Value: "0"},
		{Key: "CELLSPACING", Value: "0"}, {Key: "CELLPADDING", Value: num(cellPad)},
	}, rows...))
	if err != nil {
		return dot.HTML{}, fmt.Errorf("render: label: %w", err)
	}
	return h, nil
}

// num formats a number as package dot writes it.
func num(x float64) string {
	s, err := dot.FormatNum(x)
	if err != nil {
		return "0"
	}
	return s
}

// nameLines wraps a name into at most three bold lines.
func nameLines(name string, size float64) []line {
	var out []line
	for _, s := range wrap(name, size, true, nameWidth, 3) {
		out = append(out, line{text: s, size: size, bold: true})
	}
	return out
}

// smallLines wraps a note into at most two small lines.
func smallLines(s string, l line) []line {
	var out []line
	for _, t := range wrap(s, l.size, l.bold, nameWidth, 2) {
		x := l
		x.text = t
		out = append(out, x)
	}
	return out
}

// noLabel is the label of a node that shows no text. It is a space, not
// "": go-graphviz v0.2.10 (Graphviz 12 in WebAssembly) reads label=""
// as unset and draws the node's name.
func noLabel() dot.Attr { return dot.Str("label", " ") }
