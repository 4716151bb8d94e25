package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/dot"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Widths of the list beside a map, in points.
const (
	listWidth = 300.0 // text of a gap beside a person's map
	wideList  = 420.0 // beside the system map
	// minListHeight is the least height of a column of the list of gaps.
	minListHeight = 480.0
	listPad       = 2.0
)

// listEntry is one numbered entry of a list of gaps.
type listEntry struct {
	number int
	head   string // "P1 uncoordinated co-providers · medium"
	lines  []line
}

// gapEntries returns the entries of a list of gaps in a language.
func gapEntries(list []gaps.Gap, t *texts, width float64) []listEntry {
	var out []listEntry
	for i, g := range list {
		e := listEntry{number: i + 1,
			head: fmt.Sprintf("%s %s · %s", g.Rule, t.ruleName(g.Rule), t.severity[g.Severity])}
		for _, s := range wrap(clean(t.in(g.Explanation)), sizeList, false, width, 12) {
			e.lines = append(e.lines, line{text: s, size: sizeList})
		}
		for _, s := range wrap("→ "+clean(t.in(g.Next)), sizeList, false, width, 4) {
			e.lines = append(e.lines, line{text: s, size: sizeList, italic: true})
		}
		out = append(out, e)
	}
	return out
}

// headSize is the estimated size of the heading row of a list.
func headSize(heading string) (w, h float64) {
	head := line{text: heading, size: sizeHead, bold: true}
	return head.width() + 2*listPad, head.height() + 2*listPad
}

// size is the estimated size of an entry's rows.
func (e listEntry) size() (w, h float64) {
	numW := textWidth("99", sizeBadge, true) + 2*badgePad + 2*listPad
	hl := line{text: e.head, size: sizeList, bold: true}
	w, h = numW+hl.width()+2*listPad, max(hl.height(), lineHeight(sizeBadge))+2*listPad
	for _, l := range e.lines {
		w, h = max(w, numW+l.width()+2*listPad), h+l.height()+2*listPad
	}
	return w, h
}

// listTable builds the table of a heading and numbered entries, and its
// estimated size.
func listTable(heading string, entries []listEntry, empty string) (dot.HTML, float64, float64, error) {
	left := []dot.HAttr{{Key: "ALIGN", Value: "LEFT"}}
	head := line{text: heading, size: sizeHead, bold: true}
	rows := []dot.Content{dot.Row(dot.Cell([]dot.HAttr{{Key: "ALIGN", Value: "LEFT"}, {Key: "COLSPAN", Value: "2"}}, head.content()))}
	w, h := headSize(heading)
	if len(entries) == 0 {
		l := line{text: empty, size: sizeList, italic: true}
		rows = append(rows, dot.Row(dot.Cell([]dot.HAttr{{Key: "ALIGN", Value: "LEFT"}, {Key: "COLSPAN", Value: "2"}}, l.content())))
		w, h = max(w, l.width()+2*listPad), h+l.height()+2*listPad
	}
	for _, e := range entries {
		hl := line{text: e.head, size: sizeList, bold: true}
		rows = append(rows, dot.Row(
			dot.Cell([]dot.HAttr{{Key: "BGCOLOR", Value: colourGap}, {Key: "ALIGN", Value: "CENTER"}},
				dot.Font([]dot.HAttr{{Key: "COLOR", Value: "#ffffff"}, {Key: "POINT-SIZE", Value: num(sizeBadge)}},
					dot.Bold(dot.Text(strconv.Itoa(e.number))))),
			dot.Cell(left, hl.content())))
		for _, l := range e.lines {
			rows = append(rows, dot.Row(dot.Cell(nil), dot.Cell(left, l.content())))
		}
		ew, eh := e.size()
		w, h = max(w, ew), h+eh
	}
	html, err := dot.HTMLLabel(dot.Table([]dot.HAttr{{Key: "BORDER", Value: "0"}, {Key: "CELLBORDER", Value: "0"},
		{Key: "CELLSPACING", Value: "0"}, {Key: "CELLPADDING", Value: num(listPad)}}, rows...))
	if err != nil {
		return dot.HTML{}, 0, 0, fmt.Errorf("render: list: %w", err)
	}
	return html, w + 4*slack, h + 4*slack, nil
}

// legendItem is one row of a legend: a sample at the left and a text.
type legendItem struct {
	heading bool
	text    string
	edge    []dot.Attr // a line
	mark    *mark      // on the line
	node    []dot.Attr // a small node
	nodeW   float64    // its width (default 30)
	swatch  string     // a colour
}

// legendSize estimates the width and height of a legend.
func legendSize(items []legendItem) (w, h float64) {
	for _, it := range items {
		tl := line{text: it.text, size: sizeList}
		indent := sampleLen + 10
		if it.heading {
			tl = line{text: it.text, size: sizeHead, bold: true}
			indent = 0
			h += 4
		}
		tw, th := tl.width()+2*slack+4, tl.height()+slack+2
		w = max(w, indent+tw)
		h += max(legendRow, th)
		if it.node != nil {
			h += 2 * periphery
		}
	}
	return w, h
}

// block is something to put beside a map: a part of the list of gaps or
// the legend, with its estimated size, drawn at a top-left corner.
type block struct {
	w, h float64
	draw func(x0, top float64) error
}

// beside puts blocks in columns to the right of a map whose right edge is
// at maxX and whose top and bottom are at maxY and minY: each under the
// one before while the column stays within the map's height (or the
// first block's), else at the top of a new column.
func beside(maxX, minY, maxY float64, blocks ...block) error {
	limit := maxY - minY
	if len(blocks) > 0 {
		limit = max(limit, blocks[0].h)
	}
	x0, y, colW := maxX+columnGap, maxY, 0.0
	for i, b := range blocks {
		if i > 0 && maxY-y+b.h > limit {
			x0, y, colW = x0+colW+columnGap, maxY, 0
		}
		if err := b.draw(x0, y); err != nil {
			return err
		}
		y -= b.h + legendGap
		colW = max(colW, b.w)
	}
	return nil
}

// listBlocks splits a list of gaps into blocks no taller than maxH (each
// at least one entry), drawn as plaintext nodes "gaps", "gaps:2" ….
func listBlocks(g *dot.Graph, s *scene, heading string, entries []listEntry, empty string, maxH float64) ([]block, error) {
	var chunks [][]listEntry
	var cur []listEntry
	_, h := headSize(heading)
	for _, e := range entries {
		_, eh := e.size()
		if len(cur) > 0 && h+eh > maxH {
			chunks = append(chunks, cur)
			cur, h = nil, 0
			_, h = headSize(heading)
		}
		cur = append(cur, e)
		h += eh
	}
	chunks = append(chunks, cur)
	var out []block
	for i, chunk := range chunks {
		head, id := heading, "gaps"
		if i > 0 {
			head, id = fmt.Sprintf("%s (%d)", heading, i+1), fmt.Sprintf("gaps:%d", i+1)
		}
		html, w, h, err := listTable(head, chunk, empty)
		if err != nil {
			return nil, err
		}
		out = append(out, block{w: w, h: h, draw: func(x0, top float64) error {
			at := s.add(box{x0 + w/2, top - h/2, w, h})
			g.Node(id, dot.HTMLAttr("label", html), dot.Str("shape", "plaintext"), dot.Point("pos", at.x, at.y, true),
				dot.Num("width", w/72), dot.Num("height", h/72), dot.Str("margin", "0"))
			return nil
		}})
	}
	return out, nil
}

// legend writes a legend in a column from its top-left corner, placing
// every box in s, and returns its bottom.
func legend(g *dot.Graph, s *scene, prefix string, x0, top float64, items []legendItem) (float64, error) {
	y := top
	for i, it := range items {
		id := fmt.Sprintf("%s:%d", prefix, i+1)
		tl := line{text: it.text, size: sizeList}
		if it.heading {
			tl = line{text: it.text, size: sizeHead, bold: true}
		}
		tw, th := tl.width()+2*slack+4, tl.height()+slack+2
		rowH := max(legendRow, th)
		if it.node != nil {
			rowH += 2 * periphery // room for a second periphery
		}
		cy := y - rowH/2
		tx := x0 + sampleLen + 10
		if it.heading {
			tx = x0
			cy -= 4
		}
		switch {
		case it.edge != nil:
			a, b := id+"a", id+"b"
			for j, x := range []float64{x0, x0 + sampleLen} {
				g.Node([]string{a, b}[j], dot.Str("shape", "point"), dot.Num("width", 0.03), dot.Str("style", "invis"),
					dot.Point("pos", x, cy, true), noLabel())
				s.add(box{x, cy, 2, 2})
			}
			g.Edge(a, b, it.edge...)
			if it.mark != nil {
				w, h := it.mark.size()
				it.mark.at = s.add(box{x0 + sampleLen/2, cy, w, h})
				if err := markNode(g, id+"m", it.mark, ""); err != nil {
					return 0, err
				}
			}
		case it.node != nil:
			w := it.nodeW
			if w == 0 {
				w = 30
			}
			at := s.add(box{x0 + sampleLen/2, cy, w, 13})
			attrs := append(slices.Clone(it.node), dot.Point("pos", at.x, at.y, true),
				dot.Num("width", at.w/72), dot.Num("height", at.h/72), dot.Bool("fixedsize", true))
			if !slices.ContainsFunc(attrs, func(a dot.Attr) bool { return a.Key() == "fontsize" }) {
				attrs = append(attrs, dot.Num("fontsize", 1)) // the space of an empty label fits
			}
			g.Node(id+"n", attrs...)
		case it.swatch != "":
			at := s.add(box{x0 + sampleLen/2, cy, 16, 12})
			g.Node(id+"n", noLabel(), dot.Num("fontsize", 1), dot.Str("shape", "box"), dot.Str("style", "filled"),
				dot.Str("fillcolor", it.swatch), dot.Str("color", it.swatch), dot.Point("pos", at.x, at.y, true),
				dot.Num("width", at.w/72), dot.Num("height", at.h/72), dot.Bool("fixedsize", true))
		}
		at := s.add(box{tx + tw/2, cy, tw, th})
		h, err := dot.HTMLLabel(tl.content())
		if err != nil {
			return 0, fmt.Errorf("render: legend: %w", err)
		}
		g.Node(id, dot.HTMLAttr("label", h), dot.Str("shape", "plaintext"), dot.Point("pos", at.x, at.y, true),
			dot.Num("width", at.w/72), dot.Num("height", at.h/72), dot.Str("margin", "0"))
		y -= rowH
		if it.heading {
			y -= 4
		}
	}
	return y, nil
}

// side writes the list of gaps and the legend to the right of the map.
func (m *egoMap) side(g *dot.Graph, lay *egoLayout) error {
	_, minY, maxX, maxY := lay.s.bounds(lay.ringBoxes()...)
	items := m.legendItems()
	lw, lh := legendSize(items)
	leg := block{w: lw, h: lh, draw: func(x0, top float64) error {
		_, err := legend(g, &lay.s, "legend", x0, top, items)
		return err
	}}
	if m.list == nil {
		return beside(maxX, minY, maxY, leg)
	}
	blocks, err := listBlocks(g, &lay.s, m.t.gapsTitle, gapEntries(m.list, m.t, listWidth), m.t.noGaps, max(maxY-minY, minListHeight))
	if err != nil {
		return err
	}
	return beside(maxX, minY, maxY, append(blocks, leg)...)
}

// legendItems lists what the legend explains: only what the map shows.
func (m *egoMap) legendItems() []legendItem {
	t := m.t
	items := []legendItem{{heading: true, text: t.legend + " — " + t.lines}}
	types := map[stakeholder.RelationType]bool{}
	qualities := map[stakeholder.Quality]bool{}
	for _, p := range m.pairs {
		types[p.typ] = true
		if p.change == unchanged {
			qualities[p.quality] = true
		}
	}
	for _, typ := range stakeholder.RelationTypes() {
		if !types[typ] {
			continue
		}
		attrs := lineAttrs(typ, colourGood, 0)
		if typ == stakeholder.RelRefers || typ == stakeholder.RelInforms {
			attrs = append(attrs, dot.Str("dir", "forward"))
		}
		items = append(items, legendItem{text: t.relations[typ], edge: attrs})
	}
	if qualities[stakeholder.QualityStrained] {
		items = append(items, legendItem{text: t.strained, edge: lineAttrs(stakeholder.RelServes, colourStrained, 0.8),
			mark: &mark{text: "~", colour: colourStrained, fill: "#ffffff", bold: true}})
	}
	if qualities[stakeholder.QualityBroken] {
		items = append(items, legendItem{text: t.broken, edge: lineAttrs(stakeholder.RelServes, colourBroken, 1.2),
			mark: &mark{text: "×", colour: colourBroken, fill: "#ffffff", bold: true}})
	}
	if qualities[""] || qualities[stakeholder.QualityUnknown] {
		items = append(items, legendItem{text: t.notAssessed, edge: lineAttrs(stakeholder.RelServes, colourUnknown, 0)})
	}
	if m.change {
		items = append(items,
			legendItem{text: t.added, edge: lineAttrs(stakeholder.RelServes, colourAdded, 1.2),
				mark: &mark{text: "+", colour: colourAdded, fill: "#ffffff", bold: true}},
			legendItem{text: t.ended, edge: setAttr(lineAttrs(stakeholder.RelServes, colourEnded, 0), dot.Str("style", "dashed")),
				mark: &mark{text: "abc", colour: "#6b6b6b", fill: "#ffffff", strike: true}},
			legendItem{text: t.changed, edge: lineAttrs(stakeholder.RelServes, colourChanged, 1.2),
				mark: &mark{text: "*", colour: "#b36b00", fill: "#ffffff", bold: true}},
		)
	}
	if len(m.gapped) > 0 {
		items = append(items, legendItem{text: t.missingTie,
			edge: []dot.Attr{dot.Str("color", colourGap), dot.Str("style", "dashed"), dot.Num("penwidth", 2.6)},
			mark: &mark{text: "n", colour: colourGap, fill: colourGap, bold: true}})
	}

	items = append(items, legendItem{heading: true, text: t.colours})
	ringed, badged, coord, plan := false, false, false, false
	present := map[slot]bool{}
	for _, x := range m.actors {
		ringed = ringed || x.ringed
		badged = badged || len(x.badges) > 0
		coord = coord || x.coordinator
		plan = plan || x.plan != ""
		if x != m.centre {
			present[x.slot] = true
		}
	}
	for sl := range slotCount {
		if present[sl] {
			items = append(items, legendItem{text: t.groups[sl], swatch: groupColour(sl)})
		}
	}
	items = append(items, legendItem{text: t.closer, node: []dot.Attr{noLabel(), dot.Str("shape", "box"),
		dot.Str("style", "rounded,dashed"), dot.Str("color", colourRing)}})
	if coord {
		items = append(items, legendItem{text: strings.ToLower(t.coordinator), node: []dot.Attr{noLabel(),
			dot.Str("shape", "box"), dot.Int("peripheries", 2), dot.Str("color", colourInk)}})
	}
	if plan {
		items = append(items, legendItem{text: t.plan, node: []dot.Attr{noLabel(), dot.Str("shape", "note"),
			dot.Str("style", "filled"), dot.Str("fillcolor", groupTint(slotOther)), dot.Str("color", groupColour(slotOther))}})
	}
	if ringed {
		items = append(items, legendItem{text: t.ringed, node: []dot.Attr{noLabel(), dot.Str("shape", "box"),
			dot.Str("color", colourGap), dot.Num("penwidth", 4.5)}})
	}
	if badged {
		items = append(items, legendItem{text: t.badge, nodeW: 16, node: []dot.Attr{dot.Str("label", "n"), dot.Str("shape", "box"),
			dot.Str("style", "filled"), dot.Str("fillcolor", colourGap), dot.Str("color", colourGap),
			dot.Str("fontcolor", "#ffffff"), dot.Num("fontsize", sizeBadge)}})
	}
	return items
}
