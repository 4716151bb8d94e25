package render

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/dot"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Distances of the layout, in points.
const (
	boxGap     = 12.0 // between any two boxes: room for a label measured wider than estimated
	periphery  = 4.0  // between a node's two peripheries
	centreGap  = 34.0 // between the person and the first band
	bandGap    = 24.0 // between the outermost box and the outer circle
	bandStep   = 52.0 // between the farthest centre of a band and the nearest of the next
	titleGap   = 10.0 // between the outer circle and the groups' names
	columnGap  = 44.0 // between the map and the list beside it
	legendGap  = 22.0 // between the list and the legend
	sampleLen  = 40.0 // a line in the legend
	legendRow  = 17.0 // height of a row of the legend
	startAngle = 150.0 * math.Pi / 180
)

// ring is the circle around a band, with the band's name on it.
type ring struct {
	level int
	r     float64
	name  box
	named bool
}

// groupTitle is a group's name at the outer edge of its sector.
type groupTitle struct {
	slot slot
	lab  dot.HTML
	at   box
}

// mark is a label on a line: a gap's numbers, a quality, a change.
type mark struct {
	text         string
	colour       string // text and border
	fill         string
	bold, strike bool
	at           box
}

func (k *mark) size() (w, h float64) {
	return textWidth(k.text, sizeBadge, true) + 2*badgePad + 6, lineHeight(sizeBadge) + 2*badgePad + 2
}

// egoLayout is where everything of an ego map goes.
type egoLayout struct {
	s      scene
	rings  []ring
	titles []groupTitle
	pair   map[*egoPair]*mark
	gap    map[*gapLine]*mark
}

// actorLabel builds the label of an actor.
func (m *egoMap) actorLabel(x *egoActor) label {
	t := m.t
	name := clean(x.actor.Name)
	if name == "" {
		name = t.noName
	}
	size := sizeName
	if x == m.centre {
		size = sizeName + 1
	}
	lines := nameLines(name, size)
	small := line{size: sizeSmall, colour: "#444444"}
	switch {
	case x == m.centre:
	case x.plan != "":
		lines = append(lines, smallLines(x.plan, small)...)
	default:
		lines = append(lines, smallLines(t.sectors[x.actor.Sector], small)...)
	}
	if x.coordinator {
		lines = append(lines, line{text: t.coordinator, size: sizeSmall - 0.5, bold: true})
	}
	for _, n := range x.notes {
		lines = append(lines, smallLines(n, line{size: sizeSmall, italic: true, colour: colourInk})...)
	}
	if x.change == changeEnded {
		for i := range lines {
			lines[i].strike = true
			lines[i].colour = "#666666"
		}
	}
	l := label{lines: lines, badge: numbers(x.badges)}
	switch x.change {
	case changeAdded:
		l.badge, l.badgeColour = t.added, colourAdded
	case changeEnded:
		l.badge, l.badgeColour = t.ended, "#6b6b6b"
	case changeChanged:
		l.badge, l.badgeColour = t.changed, "#b36b00"
	}
	return l
}

// size sizes every actor's node.
func (m *egoMap) size() {
	for _, x := range m.actors {
		x.lab = m.actorLabel(x)
		x.w, x.h = x.lab.nodeSize()
		if x == m.centre {
			lw, lh := x.lab.size()
			d := math.Hypot(lw, lh) + 2*nodeMarX
			x.w, x.h = d, d
		}
		// A second periphery (the person's double circle, the
		// coordinator's double border) is drawn 4 points outside the
		// node's size.
		x.ow, x.oh = x.w, x.h
		if x == m.centre || x.coordinator {
			x.ow, x.oh = x.w+2*periphery, x.h+2*periphery
		}
	}
}

// sectorOrder sorts the actors of one slot and band: by sector in
// domain.md's order, then in document order.
func sectorRank(s stakeholder.Sector) int { return slices.Index(stakeholder.Sectors(), s) }

// aspect is how much wider than high the bands are: the layout runs in a
// space whose x is divided by it, where bands are circles, so that wide
// labels need less room at the sides; the circles become ellipses.
const aspect = 1.5

// scaled maps a real box into the layout's space, real back.
func scaled(b box) box { return box{b.x / aspect, b.y, b.w / aspect, b.h} }
func real(b box) box   { return box{b.x * aspect, b.y, b.w * aspect, b.h} }

// layout places everything; see the package documentation.
func (m *egoMap) layout() *egoLayout {
	lay := &egoLayout{pair: map[*egoPair]*mark{}, gap: map[*gapLine]*mark{}}
	s := &scene{gap: boxGap / aspect}
	c := m.centre
	s.add(scaled(box{0, 0, c.ow, c.oh}))
	c.at = box{0, 0, c.ow, c.oh}

	// The sectors: a share of the circle for each slot with actors, by
	// the room its actors need.
	var weight [slotCount]float64
	var bySlotLevel [slotCount][levels][]*egoActor
	spoke := map[*egoActor]bool{}
	for _, p := range m.pairs {
		spoke[p.a] = spoke[p.a] || p.b == c
		spoke[p.b] = spoke[p.b] || p.a == c
	}
	for _, x := range m.actors {
		if x == c {
			continue
		}
		weight[x.slot] += x.w/aspect + 16
		bySlotLevel[x.slot][x.level] = append(bySlotLevel[x.slot][x.level], x)
	}
	total := 0.0
	for _, w := range weight {
		total += w
	}
	var lo, hi [slotCount]float64
	theta := startAngle
	for sl := range slotCount {
		if weight[sl] == 0 {
			continue
		}
		share := 2 * math.Pi * weight[sl] / total
		lo[sl], hi[sl] = theta-share, theta
		theta -= share
	}

	// The bands, from the centre out: every actor of a band further out
	// than every actor of the bands inside it, measured at the centres of
	// their boxes; the circle between two bands halfway between them.
	// Within its sector an actor with a line to the person moves a little
	// sideways when that line would pass under another actor.
	offset := [levels]float64{0, 0.25, -0.25, 0.125}
	inner := math.Hypot(c.ow/aspect, c.oh)/2 + centreGap
	start, prevMax, reach := 0.0, 0.0, 0.0
	var prevLevel = -1
	for lv := range levels {
		var placed []box
		for sl := range slotCount {
			xs := slices.Clone(bySlotLevel[sl][lv])
			slices.SortStableFunc(xs, func(a, b *egoActor) int { return sectorRank(a.actor.Sector) - sectorRank(b.actor.Sector) })
			n := float64(len(xs))
			width := (hi[sl] - lo[sl]) / n
			r0 := func(w, h, th float64) float64 { return max(start, inner+support(w, h, th)) }
			for i, x := range xs {
				w := x.ow / aspect
				th := hi[sl] - (float64(i)+0.5+offset[lv])*width
				b := s.findOnRay(w, x.oh, th, r0(w, x.oh, th))
				if spoke[x] && s.crosses(point{}, b.centre()) {
					for k := 1; k <= 12; k++ {
						d := float64((k+1)/2) * width / 16 * float64(1-2*(k%2))
						alt := s.findOnRay(w, x.oh, th+d, r0(w, x.oh, th+d))
						if !s.crosses(point{}, alt.centre()) && math.Hypot(alt.x, alt.y) <= math.Hypot(b.x, b.y)+24 {
							b = alt
							break
						}
					}
				}
				s.add(b)
				x.at = real(b)
				placed = append(placed, b)
			}
		}
		if len(placed) == 0 {
			continue
		}
		minC, maxC := math.Inf(1), 0.0
		for _, b := range placed {
			d := math.Hypot(b.x, b.y)
			minC, maxC = min(minC, d), max(maxC, d)
			reach = max(reach, b.reach())
		}
		if prevLevel >= 0 {
			lay.rings = append(lay.rings, ring{level: prevLevel, r: (prevMax + minC) / 2})
		}
		prevLevel, prevMax = lv, maxC
		start = maxC + bandStep
	}
	if prevLevel >= 0 {
		lay.rings = append(lay.rings, ring{level: prevLevel, r: reach + bandGap/2})
	}

	// The bands' names on their circles, then the groups' names outside.
	for i := range lay.rings {
		rg := &lay.rings[i]
		w, h := m.bandLabel(rg.level).nodeSize()
		b, ok := s.onCircle(w/aspect, h, rg.r, math.Pi/2)
		rg.name, rg.named = real(b), ok
	}
	outer := math.Hypot(c.ow/aspect, c.oh) / 2
	if len(lay.rings) > 0 {
		outer = lay.rings[len(lay.rings)-1].r
	}
	for sl := range slotCount {
		if weight[sl] == 0 {
			continue
		}
		lab, w, h := m.groupTitle(sl)
		th := (lo[sl] + hi[sl]) / 2
		b := s.ray(w/aspect, h, th, outer+titleGap+support(w/aspect, h, th))
		lay.titles = append(lay.titles, groupTitle{slot: sl, lab: lab, at: real(b)})
	}

	// Marks on lines.
	for _, p := range m.pairs {
		k := m.pairMark(p)
		if k == nil {
			continue
		}
		w, h := k.size()
		k.at = real(s.onSegment(w/aspect, h, scaled(p.a.at).centre(), scaled(p.b.at).centre()))
		lay.pair[p] = k
	}
	for _, l := range m.gapped {
		k := &mark{text: numbers(l.numbers), colour: colourGap, fill: colourGap, bold: true}
		w, h := k.size()
		k.at = real(s.onSegment(w/aspect, h, scaled(l.a.at).centre(), scaled(l.b.at).centre()))
		lay.gap[l] = k
	}

	// The real scene, for what goes beside the map.
	lay.s = scene{gap: boxGap}
	for _, b := range s.boxes {
		lay.s.add(real(b))
	}
	return lay
}

// ringBoxes returns the boxes around the rings' ellipses.
func (lay *egoLayout) ringBoxes() []box {
	var out []box
	for _, rg := range lay.rings {
		out = append(out, box{0, 0, 2 * rg.r * aspect, 2 * rg.r})
	}
	return out
}

// bandLabel is the name of a band, written on its circle.
func (m *egoMap) bandLabel(lv int) label {
	return label{lines: []line{{text: m.t.importance[lv], size: sizeSmall, italic: true, colour: "#555555"}}}
}

// groupTitle is a group's name with a swatch of its colour.
func (m *egoMap) groupTitle(sl slot) (dot.HTML, float64, float64) {
	text := line{text: m.t.groups[sl], size: sizeList + 1, bold: true}
	h := dot.MustHTML(dot.Table([]dot.HAttr{{Key: "BORDER", Value: "0"}, {Key: "CELLSPACING", Value: "3"}, {Key: "CELLPADDING", Value: "0"}},
		dot.Row(
			dot.Cell([]dot.HAttr{{Key: "BGCOLOR", Value: groupColour(sl)}, {Key: "WIDTH", Value: "12"}, {Key: "HEIGHT", Value: "12"}, {Key: "FIXEDSIZE", Value: "TRUE"}}),
			dot.Cell(nil, text.content()))))
	return h, text.width() + 12 + 9 + slack + 2*nodeMarX, max(text.height(), 12) + 6 + slack + 2*nodeMarY
}

// pairMark returns the mark on a pair's line, or nil.
func (m *egoMap) pairMark(p *egoPair) *mark {
	switch p.change {
	case changeAdded:
		return &mark{text: "+ " + m.t.added, colour: colourAdded, fill: "#ffffff", bold: true}
	case changeEnded:
		return &mark{text: m.t.relations[p.typ], colour: "#6b6b6b", fill: "#ffffff", strike: true}
	case changeChanged:
		return &mark{text: strings.Join(p.notes, "; "), colour: "#b36b00", fill: "#ffffff"}
	}
	switch p.quality {
	case stakeholder.QualityStrained:
		return &mark{text: "~", colour: colourStrained, fill: "#ffffff", bold: true}
	case stakeholder.QualityBroken:
		return &mark{text: "×", colour: colourBroken, fill: "#ffffff", bold: true}
	}
	return nil
}

// qualityColour returns the colour of a line of a quality.
func qualityColour(q stakeholder.Quality) string {
	switch q {
	case stakeholder.QualityGood:
		return colourGood
	case stakeholder.QualityStrained:
		return colourStrained
	case stakeholder.QualityBroken:
		return colourBroken
	}
	return colourUnknown
}

// lineAttrs returns the attributes that draw a relation type in a colour
// with a width added for emphasis.
func lineAttrs(typ stakeholder.RelationType, colour string, extra float64) []dot.Attr {
	double := colour + ":#ffffff:" + colour
	switch typ {
	case stakeholder.RelCollaborates:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "solid"), dot.Num("penwidth", 2.6+extra)}
	case stakeholder.RelCoordinates:
		return []dot.Attr{dot.Str("color", double), dot.Str("style", "solid"), dot.Num("penwidth", 1.4+extra/2)}
	case stakeholder.RelRefers:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "dashed"), dot.Num("penwidth", 1.5+extra), dot.Str("arrowhead", "normal")}
	case stakeholder.RelInforms:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "dotted"), dot.Num("penwidth", 1.9+extra), dot.Str("arrowhead", "vee")}
	case stakeholder.RelFamily:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "solid"), dot.Num("penwidth", 1.3+extra),
			dot.Str("dir", "both"), dot.Str("arrowhead", "dot"), dot.Str("arrowtail", "dot"), dot.Num("arrowsize", 0.5)}
	case stakeholder.RelPeerSupport:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "dashed"), dot.Num("penwidth", 1.3+extra),
			dot.Str("dir", "both"), dot.Str("arrowhead", "odot"), dot.Str("arrowtail", "odot"), dot.Num("arrowsize", 0.6)}
	case stakeholder.RelMemberOf:
		return []dot.Attr{dot.Str("color", colour), dot.Str("style", "dotted"), dot.Num("penwidth", 1.1+extra)}
	case stakeholder.RelAgreement:
		return []dot.Attr{dot.Str("color", double), dot.Str("style", "dashed"), dot.Num("penwidth", 1.2+extra/2)}
	}
	return []dot.Attr{dot.Str("color", colour), dot.Str("style", "solid"), dot.Num("penwidth", 1.3+extra)} // serves
}

// pairAttrs returns the attributes of a pair's line.
func (m *egoMap) pairAttrs(p *egoPair) []dot.Attr {
	colour, extra := qualityColour(p.quality), 0.0
	switch p.quality {
	case stakeholder.QualityStrained:
		extra = 0.8
	case stakeholder.QualityBroken:
		extra = 1.2
	}
	switch p.change {
	case changeAdded:
		colour, extra = colourAdded, 1.2
	case changeEnded:
		colour, extra = colourEnded, 0
	case changeChanged:
		colour, extra = colourChanged, 1.2
	}
	attrs := lineAttrs(p.typ, colour, extra)
	if p.change == changeEnded {
		attrs = setAttr(attrs, dot.Str("style", "dashed"))
	}
	switch p.dir {
	case "forward":
		attrs = setAttr(attrs, dot.Str("dir", "forward"))
	case "both":
		attrs = setAttr(attrs, dot.Str("dir", "both"))
		if i := slices.IndexFunc(attrs, func(a dot.Attr) bool { return a.Key() == "arrowhead" }); i >= 0 {
			attrs = setAttr(attrs, dot.Str("arrowtail", map[stakeholder.RelationType]string{stakeholder.RelRefers: "normal", stakeholder.RelInforms: "vee"}[p.typ]))
		}
	}
	return append(attrs, dot.Str("tooltip", m.pairTooltip(p)))
}

// setAttr replaces the attribute of a's key, or adds it.
func setAttr(attrs []dot.Attr, a dot.Attr) []dot.Attr {
	attrs = slices.DeleteFunc(slices.Clone(attrs), func(x dot.Attr) bool { return x.Key() == a.Key() })
	return append(attrs, a)
}

// pairTooltip names a pair's relations and their quality.
func (m *egoMap) pairTooltip(p *egoPair) string {
	var types []string
	for _, r := range p.rels {
		n := m.t.relations[r.Type]
		if n == "" {
			n = string(r.Type)
		}
		if !slices.Contains(types, n) {
			types = append(types, n)
		}
	}
	s := strings.Join(types, ", ")
	if p.quality != "" {
		s += " · " + m.t.qualities[p.quality]
	}
	if len(p.notes) > 0 {
		s += " · " + strings.Join(p.notes, "; ")
	}
	return s
}

// actorAttrs returns the attributes of an actor's node.
func (m *egoMap) actorAttrs(x *egoActor, lab dot.HTML) []dot.Attr {
	shape, style := "box", "filled"
	fill, border, pen := groupTint(x.slot), groupColour(x.slot), 1.8
	switch {
	case x == m.centre:
		shape, fill, border, pen = "doublecircle", colourPerson, colourInk, 1.6
	case x.plan != "":
		shape = "note"
	case x.actor.Kind == stakeholder.KindForum:
		shape = "folder"
	case x.actor.Kind == stakeholder.KindPerson:
		style = "rounded,filled"
	}
	switch x.change {
	case changeAdded:
		border, pen = colourAdded, 3.5
	case changeEnded:
		fill, border, style = "#f2f2f2", colourEnded, style+",dashed"
	case changeChanged:
		border, pen = colourChanged, 3.5
	}
	if x.ringed {
		border, pen = colourGap, 4.5
	}
	attrs := []dot.Attr{
		dot.HTMLAttr("label", lab),
		dot.Point("pos", x.at.x, x.at.y, true),
		dot.Num("width", x.w/72), dot.Num("height", x.h/72),
		dot.Str("shape", shape), dot.Str("style", style),
		dot.Str("fillcolor", fill), dot.Str("color", border), dot.Num("penwidth", pen),
		dot.Str("tooltip", m.actorTooltip(x)),
	}
	if x.coordinator {
		attrs = append(attrs, dot.Int("peripheries", 2))
	}
	return attrs
}

// actorTooltip gives the sector, role and importance of an actor.
func (m *egoMap) actorTooltip(x *egoActor) string {
	parts := []string{clean(x.actor.Name), m.t.sectors[x.actor.Sector]}
	if as := x.actor.Assessment; as != nil && as.Role != "" {
		parts = append(parts, clean(as.Role))
	}
	if x != m.centre {
		parts = append(parts, m.t.importance[x.level])
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " · ")
}

// write lays the map out and writes it as DOT.
func (m *egoMap) write() ([]byte, error) {
	m.size()
	lay := m.layout()
	g := dot.New(dot.Undirected, "samspill")
	g.Comment("Samspill actor map. Layout: neato with every node pinned (pos …!, inputscale=72).")
	g.Attrs(
		dot.Str("layout", "neato"), dot.Int("inputscale", 72), dot.Str("splines", "false"), dot.Str("overlap", "true"),
		dot.Str("outputorder", "edgesfirst"), dot.Str("bgcolor", "#ffffff"), dot.Num("pad", 0.3),
		dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeTitle), dot.Str("fontcolor", colourInk),
		dot.Str("label", m.title), dot.Str("labelloc", "t"), dot.Str("labeljust", "l"),
	)
	g.NodeDefaults(dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeName), dot.Str("fontcolor", colourInk),
		dot.Str("margin", num(nodeMarX/72)+","+num(nodeMarY/72)), dot.Bool("fixedsize", false))
	g.EdgeDefaults(dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeList), dot.Num("arrowsize", 0.7))

	// The circles first, under everything.
	for i, rg := range lay.rings {
		g.Node(fmt.Sprintf("ring:%d", i+1), noLabel(), dot.Str("shape", "ellipse"), dot.Bool("fixedsize", true),
			dot.Num("width", 2*rg.r*aspect/72), dot.Num("height", 2*rg.r/72), dot.Point("pos", 0, 0, true),
			dot.Str("style", "dashed"), dot.Str("color", colourRing), dot.Num("penwidth", 1), dot.Str("tooltip", m.t.importance[rg.level]))
	}
	for i, rg := range lay.rings {
		if !rg.named {
			continue
		}
		if err := m.textNode(g, fmt.Sprintf("band:%d", i+1), m.bandLabel(rg.level), rg.name, "#ffffff"); err != nil {
			return nil, err
		}
	}
	for _, gt := range lay.titles {
		g.Node(fmt.Sprintf("group:%d", gt.slot+1), dot.HTMLAttr("label", gt.lab), dot.Str("shape", "box"),
			dot.Str("style", "filled"), dot.Str("fillcolor", "#ffffff"), dot.Str("color", "none"),
			dot.Point("pos", gt.at.x, gt.at.y, true), dot.Num("width", gt.at.w/72), dot.Num("height", gt.at.h/72))
	}
	for _, x := range m.actors {
		lab, err := x.lab.html()
		if err != nil {
			return nil, err
		}
		g.Node(x.id, m.actorAttrs(x, lab)...)
	}
	marks := 0
	for _, p := range m.pairs {
		g.Edge(p.a.id, p.b.id, m.pairAttrs(p)...)
	}
	for _, l := range m.gapped {
		var tips []string
		for i, n := range l.numbers {
			tips = append(tips, fmt.Sprintf("%d: %s %s", n, l.rules[i], m.t.ruleName(l.rules[i])))
		}
		g.Edge(l.a.id, l.b.id, dot.Str("color", colourGap), dot.Str("style", "dashed"), dot.Num("penwidth", 2.6),
			dot.Str("tooltip", strings.Join(tips, "; ")))
	}
	for _, p := range m.pairs {
		if k := lay.pair[p]; k != nil {
			marks++
			if err := markNode(g, fmt.Sprintf("mark:%d", marks), k, m.pairTooltip(p)); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range m.gapped {
		marks++
		if err := markNode(g, fmt.Sprintf("mark:%d", marks), lay.gap[l], ""); err != nil {
			return nil, err
		}
	}
	if err := m.side(g, lay); err != nil {
		return nil, err
	}
	b, err := g.Bytes()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return b, nil
}

// textNode writes a plaintext node holding a label.
func (m *egoMap) textNode(g *dot.Graph, id string, l label, at box, fill string) error {
	h, err := l.html()
	if err != nil {
		return err
	}
	attrs := []dot.Attr{dot.HTMLAttr("label", h), dot.Str("shape", "box"), dot.Point("pos", at.x, at.y, true),
		dot.Num("width", at.w/72), dot.Num("height", at.h/72), dot.Str("color", "none")}
	if fill != "" {
		attrs = append(attrs, dot.Str("style", "filled"), dot.Str("fillcolor", fill))
	}
	g.Node(id, attrs...)
	return nil
}

// markNode writes a mark on a line.
func markNode(g *dot.Graph, id string, k *mark, tooltip string) error {
	text := line{text: k.text, size: sizeBadge, bold: k.bold, strike: k.strike, colour: k.colour}
	if k.fill == k.colour {
		text.colour = "#ffffff"
	}
	h, err := dot.HTMLLabel(text.content())
	if err != nil {
		return fmt.Errorf("render: mark: %w", err)
	}
	attrs := []dot.Attr{dot.HTMLAttr("label", h), dot.Str("shape", "box"), dot.Str("style", "rounded,filled"),
		dot.Str("fillcolor", k.fill), dot.Str("color", k.colour), dot.Num("penwidth", 1),
		dot.Point("pos", k.at.x, k.at.y, true), dot.Num("width", k.at.w/72), dot.Num("height", k.at.h/72),
		dot.Str("margin", "0.02,0.01")}
	if tooltip != "" {
		attrs = append(attrs, dot.Str("tooltip", tooltip))
	}
	g.Node(id, attrs...)
	return nil
}
