package render

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/dot"
	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// sysOrg is an organisation as the system map draws it.
type sysOrg struct {
	org    gaps.AreaOrganisation
	id     string
	slot   slot
	badges []int
	ringed bool
}

// sysLine is a line between two organisations.
type sysLine struct {
	p       gaps.AreaPair
	shared  bool   // a caseload line (Shared ≥ K)
	from    string // the direction of one-way flows (S10), "" for none
	badges  []int
	gapOnly bool // drawn only for a one-way-flow gap
}

// SystemMap draws the organisations of an area and the gaps of the system
// rules (a result of gaps.System) as DOT: see the package documentation.
// Only k-safe figures are drawn: a pair whose shared caseload is
// suppressed is no line, and a suppressed count appears nowhere. It
// returns an error wrapping [ErrOptions] for invalid options and
// [ErrInput] for a nil result or a gap naming an organisation the area
// does not have.
func SystemMap(res *gaps.SystemResult, o Options) ([]byte, error) {
	t, err := o.texts()
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%w: no system result", ErrInput)
	}
	a := res.Area
	orgs := map[string]*sysOrg{}
	var order []*sysOrg
	for _, ao := range a.Organisations {
		x := &sysOrg{org: ao, id: "o:" + ao.ID, slot: slotOf(ao.Sector)}
		orgs[ao.ID] = x
		order = append(order, x)
	}
	named := map[string]bool{}
	for _, g := range res.Gaps {
		for _, id := range g.Actors {
			if orgs[id] == nil {
				return nil, fmt.Errorf("%w: gap %s names an organisation the area does not have", ErrInput, g.Rule)
			}
			named[id] = true
		}
	}

	// Lines: the pairs sharing at least K citizens (never a suppressed
	// one), in the area's order.
	lines := map[[2]string]*sysLine{}
	var lineOrder []*sysLine
	for _, p := range a.Pairs {
		if p.Suppressed || p.Shared < a.K || p.Shared == 0 {
			continue
		}
		l := &sysLine{p: p, shared: true}
		lines[[2]string{p.A, p.B}] = l
		lineOrder = append(lineOrder, l)
	}
	pairOf := func(x, y string) gaps.AreaPair {
		for _, p := range a.Pairs {
			if p.A == min(x, y) && p.B == max(x, y) {
				return p
			}
		}
		return gaps.AreaPair{A: min(x, y), B: max(x, y)}
	}

	// Gaps: on lines, organisations and clusters.
	clusterBadges := map[slot][]int{}
	silo := map[slot]bool{}
	for i, g := range res.Gaps {
		n := i + 1
		switch {
		case len(g.Actors) == 2 && (g.Rule == "S1" || g.Rule == "S4" || g.Rule == "S8" || g.Rule == "S10"):
			k := [2]string{min(g.Actors[0], g.Actors[1]), max(g.Actors[0], g.Actors[1])}
			l := lines[k]
			if l == nil && g.Rule == "S10" {
				l = &sysLine{p: pairOf(k[0], k[1]), gapOnly: true}
				lines[k] = l
				lineOrder = append(lineOrder, l)
			}
			if l == nil {
				for _, id := range g.Actors {
					orgs[id].badges = append(orgs[id].badges, n)
				}
				continue
			}
			l.badges = append(l.badges, n)
			if g.Rule == "S10" {
				if from, ok := g.Details["from"].(string); ok && (from == k[0] || from == k[1]) {
					l.from = from
				}
			}
		case g.Rule == "S2" || g.Rule == "S3" || g.Rule == "S6":
			var slots []slot
			for _, id := range g.Actors {
				if s := orgs[id].slot; !slices.Contains(slots, s) {
					slots = append(slots, s)
				}
			}
			slices.Sort(slots)
			for _, s := range slots {
				clusterBadges[s] = append(clusterBadges[s], n)
				silo[s] = silo[s] || g.Rule == "S2"
			}
		default: // S4 (an organisation), S5, S7; S9 has no actors
			for _, id := range g.Actors {
				orgs[id].badges = append(orgs[id].badges, n)
				orgs[id].ringed = orgs[id].ringed || g.Rule == "S4" || g.Rule == "S5" || g.Rule == "S7"
			}
		}
	}

	return drawSystem(a, res.Gaps, order, named, lineOrder, clusterBadges, silo, o, t)
}

// sysCluster is a sector group of the system map: a box holding its
// organisations in a grid, its name at the top.
type sysCluster struct {
	slot         slot
	members      []*sysOrg
	badges       []int
	silo         bool
	title        label
	tw, th       float64
	cols, rows   int
	cellW, cellH float64
	w, h         float64
	at           box
}

// Distances of the system map, in points.
const (
	clusterPad    = 10.0
	clusterGapX   = 14.0
	clusterGapY   = 12.0
	clusterBetwen = 40.0
	systemCentre  = 70.0
)

// drawSystem lays the system map out and writes it: every node pinned,
// the clusters around an empty centre in the slots' order, each pushed
// out along its ray until it clears the others; lines straight; badges
// at the free spot nearest the middle of their line.
func drawSystem(a gaps.Area, list []gaps.Gap, order []*sysOrg, named map[string]bool, lines []*sysLine,
	clusterBadges map[slot][]int, silo map[slot]bool, o Options, t *texts) ([]byte, error) {
	var clusters []*sysCluster
	for sl := range slotCount {
		c := &sysCluster{slot: sl, badges: clusterBadges[sl], silo: silo[sl]}
		for _, x := range order {
			if x.slot == sl && (x.org.Sector.Group() != stakeholder.GroupSystem || named[x.org.ID]) {
				c.members = append(c.members, x)
			}
		}
		if len(c.members) > 0 {
			clusters = append(clusters, c)
		}
	}
	sizes := map[*sysOrg][2]float64{}
	for _, c := range clusters {
		c.title = label{lines: []line{{text: t.groups[c.slot], size: sizeHead, bold: true}}, badge: numbers(c.badges)}
		c.tw, c.th = c.title.nodeSize()
		c.tw += 18 // the swatch
		for _, x := range c.members {
			w, h := orgLabel(x, t).nodeSize()
			sizes[x] = [2]float64{w, h}
			c.cellW, c.cellH = max(c.cellW, w), max(c.cellH, h)
		}
		n := len(c.members)
		c.cols = min(n, int(math.Ceil(math.Sqrt(float64(n)*1.3))))
		c.rows = (n + c.cols - 1) / c.cols
		c.w = max(float64(c.cols)*c.cellW+float64(c.cols-1)*clusterGapX, c.tw) + 2*clusterPad
		c.h = c.th + float64(c.rows)*c.cellH + float64(c.rows-1)*clusterGapY + 2*clusterPad
	}

	// The clusters around the centre.
	outer := scene{gap: clusterBetwen}
	for i, c := range clusters {
		th := startAngle - 2*math.Pi*float64(i)/float64(len(clusters))
		c.at = outer.ray(c.w, c.h, th, systemCentre+support(c.w, c.h, th))
	}
	// The organisations in their clusters, the clusters' names on top.
	s := &scene{gap: boxGap}
	pos := map[string]box{}
	titles := map[*sysCluster]box{}
	for _, c := range clusters {
		left, top := c.at.x-c.w/2, c.at.y+c.h/2
		titles[c] = s.add(box{left + clusterPad + c.tw/2, top - clusterPad/2 - c.th/2, c.tw, c.th})
		for i, x := range c.members {
			col, row := i%c.cols, i/c.cols
			sz := sizes[x]
			b := box{left + clusterPad + (float64(col)+0.5)*c.cellW + float64(col)*clusterGapX,
				top - clusterPad - c.th - (float64(row)+0.5)*c.cellH - float64(row)*clusterGapY, sz[0], sz[1]}
			pos[x.org.ID] = s.add(b)
		}
	}
	badges := map[*sysLine]*mark{}
	for _, l := range lines {
		if len(l.badges) == 0 {
			continue
		}
		k := &mark{text: numbers(l.badges), colour: colourGap, fill: colourGap, bold: true}
		w, h := k.size()
		k.at = s.onSegment(w, h, pos[l.p.A].centre(), pos[l.p.B].centre())
		badges[l] = k
	}

	g := dot.New(dot.Undirected, "samspill")
	g.Comment("Samspill system map. Layout: neato with every node pinned (pos …!, inputscale=72); a sector group is a box behind its organisations.")
	title := clean(o.Title)
	if title == "" {
		title = fmt.Sprintf(t.systemTitle, areaName(a), a.AsOf.String())
	}
	head, err := dot.HTMLLabel(dot.Table([]dot.HAttr{{Key: "BORDER", Value: "0"}, {Key: "CELLSPACING", Value: "2"}, {Key: "CELLPADDING", Value: "0"}},
		dot.Row(dot.Cell([]dot.HAttr{{Key: "ALIGN", Value: "LEFT"}}, line{text: title, size: sizeTitle}.content())),
		dot.Row(dot.Cell([]dot.HAttr{{Key: "ALIGN", Value: "LEFT"}}, line{text: fmt.Sprintf(t.kNote, a.K, a.SuppressedCells, a.K), size: sizeList, italic: true}.content()))))
	if err != nil {
		return nil, fmt.Errorf("render: title: %w", err)
	}
	g.Attrs(
		dot.Str("layout", "neato"), dot.Int("inputscale", 72), dot.Str("splines", "false"), dot.Str("overlap", "true"),
		dot.Str("outputorder", "edgesfirst"), dot.Str("bgcolor", "#ffffff"), dot.Num("pad", 0.3),
		dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeTitle), dot.Str("fontcolor", colourInk),
		dot.HTMLAttr("label", head), dot.Str("labelloc", "t"), dot.Str("labeljust", "l"),
	)
	g.NodeDefaults(dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeName), dot.Str("fontcolor", colourInk),
		dot.Str("margin", num(nodeMarX/72)+","+num(nodeMarY/72)), dot.Bool("fixedsize", false))
	g.EdgeDefaults(dot.Str("fontname", "Helvetica"), dot.Num("fontsize", sizeBadge), dot.Num("arrowsize", 0.8))

	// The clusters' boxes first, under everything; then their names.
	for _, c := range clusters {
		border, pen, style := groupColour(c.slot), 1.5, "rounded"
		if c.silo {
			border, pen, style = colourGap, 3.0, "rounded,dashed"
		}
		g.Node(fmt.Sprintf("cluster:%d", c.slot+1), noLabel(), dot.Str("shape", "box"), dot.Str("style", style),
			dot.Str("color", border), dot.Num("penwidth", pen), dot.Bool("fixedsize", true),
			dot.Point("pos", c.at.x, c.at.y, true), dot.Num("width", c.w/72), dot.Num("height", c.h/72),
			dot.Str("tooltip", t.groups[c.slot]))
	}
	for _, c := range clusters {
		h, err := clusterLabel(t.groups[c.slot], c.slot, c.badges)
		if err != nil {
			return nil, err
		}
		at := titles[c]
		g.Node(fmt.Sprintf("group:%d", c.slot+1), dot.HTMLAttr("label", h), dot.Str("shape", "box"),
			dot.Str("style", "filled"), dot.Str("fillcolor", "#ffffff"), dot.Str("color", "none"),
			dot.Point("pos", at.x, at.y, true), dot.Num("width", at.w/72), dot.Num("height", at.h/72), dot.Str("margin", "0"))
	}
	for _, c := range clusters {
		for _, x := range c.members {
			lab := orgLabel(x, t)
			h, err := lab.html()
			if err != nil {
				return nil, err
			}
			at := pos[x.org.ID]
			border, pen := groupColour(x.slot), 1.8
			if x.ringed {
				border, pen = colourGap, 4.5
			}
			g.Node(x.id, dot.HTMLAttr("label", h), dot.Str("shape", "box"), dot.Str("style", "filled"),
				dot.Str("fillcolor", groupTint(x.slot)), dot.Str("color", border), dot.Num("penwidth", pen),
				dot.Point("pos", at.x, at.y, true), dot.Num("width", at.w/72), dot.Num("height", at.h/72),
				dot.Str("tooltip", orgTooltip(x, t)))
		}
	}
	most := a.K
	for _, l := range lines {
		most = max(most, l.p.Shared)
	}
	marks := 0
	for _, l := range lines {
		g.Edge("o:"+l.p.A, "o:"+l.p.B, lineOf(l, a.K, most, t)...)
	}
	for _, l := range lines {
		if k := badges[l]; k != nil {
			marks++
			if err := markNode(g, fmt.Sprintf("mark:%d", marks), k, ""); err != nil {
				return nil, err
			}
		}
	}

	// The legend and the list of gaps to the right.
	var extra []box
	for _, c := range clusters {
		extra = append(extra, c.at)
	}
	_, minY, maxX, maxY := s.bounds(extra...)
	blocks, err := listBlocks(g, s, t.gapsTitle, gapEntries(list, t, wideList), t.noGaps, max(maxY-minY, minListHeight))
	if err != nil {
		return nil, err
	}
	ringed := slices.ContainsFunc(order, func(x *sysOrg) bool { return x.ringed })
	items := systemLegendItems(a, most, ringed, t)
	lw, lh := legendSize(items)
	leg := block{w: lw, h: lh, draw: func(x0, top float64) error {
		_, err := legend(g, s, "legend", x0, top, items)
		return err
	}}
	if err := beside(maxX, minY, maxY, append([]block{leg}, blocks...)...); err != nil {
		return nil, err
	}
	b, err := g.Bytes()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return b, nil
}

// areaName names the area by its municipalities.
func areaName(a gaps.Area) string {
	if len(a.Municipalities) == 0 {
		return a.Scope
	}
	return strings.Join(a.Municipalities, ", ")
}

// orgLabel is an organisation's label: name, sector, caseload when it is
// k-safe, gap badges.
func orgLabel(x *sysOrg, t *texts) label {
	name := clean(x.org.Name)
	if name == "" {
		name = x.org.ID
	}
	lines := nameLines(name, sizeName)
	small := line{size: sizeSmall, colour: "#444444"}
	lines = append(lines, smallLines(t.sectors[x.org.Sector], small)...)
	if x.org.Citizens > 0 && !x.org.Suppressed {
		lines = append(lines, line{text: fmt.Sprintf(t.citizens, x.org.Citizens), size: sizeSmall, bold: true})
	}
	return label{lines: lines, badge: numbers(x.badges)}
}

func orgTooltip(x *sysOrg, t *texts) string {
	parts := []string{clean(x.org.Name), t.sectors[x.org.Sector]}
	if x.org.Citizens > 0 && !x.org.Suppressed {
		parts = append(parts, fmt.Sprintf(t.citizens, x.org.Citizens))
	}
	return strings.Join(parts, " · ")
}

// clusterLabel is a cluster's name with a swatch of its colour and its
// gap badges.
func clusterLabel(name string, sl slot, badges []int) (dot.HTML, error) {
	cells := []dot.Content{
		dot.Cell([]dot.HAttr{{Key: "BGCOLOR", Value: groupColour(sl)}, {Key: "WIDTH", Value: "12"}, {Key: "HEIGHT", Value: "12"}, {Key: "FIXEDSIZE", Value: "TRUE"}}),
		dot.Cell(nil, line{text: name, size: sizeHead, bold: true}.content()),
	}
	if len(badges) > 0 {
		cells = append(cells, badgeCell(numbers(badges)))
	}
	h, err := dot.HTMLLabel(dot.Table([]dot.HAttr{{Key: "BORDER", Value: "0"}, {Key: "CELLSPACING", Value: "3"}, {Key: "CELLPADDING", Value: "0"}},
		dot.Row(cells...)))
	if err != nil {
		return dot.HTML{}, fmt.Errorf("render: cluster label: %w", err)
	}
	return h, nil
}

// badgeCell is a cell with gap numbers, white on dark red.
func badgeCell(text string) dot.Content {
	return dot.Cell([]dot.HAttr{{Key: "BGCOLOR", Value: colourGap}, {Key: "CELLPADDING", Value: num(badgePad)}},
		dot.Font([]dot.HAttr{{Key: "COLOR", Value: "#ffffff"}, {Key: "POINT-SIZE", Value: num(sizeBadge)}},
			dot.Bold(dot.Text(text))))
}

// penFor is the width of a line for a number of shared citizens: 1.2
// points at K, 8 at the area's most.
func penFor(shared, k, most int) float64 {
	if most <= k {
		return 3
	}
	return 1.2 + 6.8*math.Sqrt(float64(shared-k)/float64(most-k))
}

// lineOf returns the attributes of a line.
func lineOf(l *sysLine, k, most int, t *texts) []dot.Attr {
	var attrs []dot.Attr
	var tips []string
	switch {
	case l.gapOnly:
		attrs = []dot.Attr{dot.Str("color", colourGap), dot.Str("style", "dashed"), dot.Num("penwidth", 1.2)}
	default:
		p := l.p
		colour, style := "#9a9a9a", "dotted"
		collab := fmt.Sprintf(t.fewerThan, k)
		if !p.CollaboratingSuppressed {
			step := shareStep(float64(p.Collaborating) / float64(p.Shared))
			colour, style = shareColour(step), shareStyle(step)
			collab = strconv.Itoa(p.Collaborating)
		}
		if p.Agreement {
			colour = colour + ":#ffffff:" + colour
		}
		attrs = []dot.Attr{dot.Str("color", colour), dot.Str("style", style), dot.Num("penwidth", penFor(p.Shared, k, most))}
		tips = append(tips, fmt.Sprintf(t.sharedTip, p.Shared, collab))
		if p.Agreement {
			tips = append(tips, t.agreement)
		}
	}
	if l.from != "" {
		dir := "forward"
		if l.from == l.p.B {
			dir = "back"
		}
		attrs = append(attrs, dot.Str("dir", dir), dot.Str("arrowhead", "normal"), dot.Str("arrowtail", "normal"))
		tips = append(tips, t.oneWay)
	}
	return append(attrs, dot.Str("tooltip", strings.Join(tips, " · ")))
}

// systemLegendItems lists what the system map's legend explains.
func systemLegendItems(a gaps.Area, most int, ringed bool, t *texts) []legendItem {
	items := []legendItem{{heading: true, text: t.shareTitle}}
	for step := range 5 {
		items = append(items, legendItem{text: t.shareSteps[step],
			edge: []dot.Attr{dot.Str("color", shareColour(step)), dot.Str("style", shareStyle(step)), dot.Num("penwidth", 3)}})
	}
	items = append(items, legendItem{text: t.shareHidden,
		edge: []dot.Attr{dot.Str("color", "#9a9a9a"), dot.Str("style", "dotted"), dot.Num("penwidth", 3)}})
	items = append(items, legendItem{heading: true, text: t.sharedTitle})
	widths := []int{a.K}
	if most > a.K {
		widths = append(widths, (a.K+most)/2, most)
	}
	for _, n := range slices.Compact(widths) {
		items = append(items, legendItem{text: fmt.Sprintf(t.citizens, n),
			edge: []dot.Attr{dot.Str("color", "#555555"), dot.Num("penwidth", penFor(n, a.K, most))}})
	}
	items = append(items,
		legendItem{text: t.agreement, edge: []dot.Attr{dot.Str("color", "#555555:#ffffff:#555555"), dot.Num("penwidth", 1.5)}},
		legendItem{text: t.oneWay, edge: []dot.Attr{dot.Str("color", "#555555"), dot.Num("penwidth", 1.5), dot.Str("dir", "forward")}},
		legendItem{text: t.badge, nodeW: 16, node: []dot.Attr{dot.Str("label", "n"), dot.Str("shape", "box"),
			dot.Str("style", "filled"), dot.Str("fillcolor", colourGap), dot.Str("color", colourGap),
			dot.Str("fontcolor", "#ffffff"), dot.Num("fontsize", sizeBadge)}},
	)
	if ringed {
		items = append(items, legendItem{text: t.sysRinged, node: []dot.Attr{noLabel(), dot.Str("shape", "box"),
			dot.Str("color", colourGap), dot.Num("penwidth", 4.5)}})
	}
	return items
}
