package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samspill/samspill/pkg/gaps"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// egoMap is what the person's map and the change map draw: the person in
// the centre, the other actors around, one line per pair of actors, the
// gaps.
type egoMap struct {
	t      *texts
	title  string
	centre *egoActor
	actors []*egoActor // document order, the person included
	byID   map[string]*egoActor
	pairs  []*egoPair // in order of their first relation
	gapped []*gapLine // missing ties, in order of their first gap
	list   []gaps.Gap // the gaps numbered 1…n; nil on a change map
	change bool       // a change map: the legend explains the changes
}

// change is what happened to an actor or a relation between two dates.
type change int

const (
	unchanged change = iota
	changeAdded
	changeEnded
	changeChanged
)

// egoActor is an actor as drawn.
type egoActor struct {
	actor       mapdoc.Actor
	id          string // the DOT node id
	slot        slot
	level       int   // 0 high importance … 3 not assessed
	badges      []int // gap numbers
	ringed      bool
	coordinator bool
	plan        string // the plan's status line, when it is the plan's forum
	change      change
	notes       []string // what changed

	lab    label
	w, h   float64 // the node's width and height
	ow, oh float64 // and with its second periphery
	at     box     // where it is, with its second periphery
}

// egoPair is the line between two actors: their relations active at the
// map's date, drawn as one.
type egoPair struct {
	a, b    *egoActor
	rels    []mapdoc.Relation
	typ     stakeholder.RelationType // the one drawn: first in lineOrder
	dir     string                   // "forward" (a to b), "back", "both" or "" for arrows
	quality stakeholder.Quality      // the worst; "" when none is assessed
	change  change
	notes   []string
}

// gapLine is a missing working tie (P1, P5) between two actors.
type gapLine struct {
	a, b    *egoActor
	numbers []int
	rules   []string
}

// lineOrder is the order in which relation types are preferred when one
// pair has several: the one drawn is the first here, the others are named
// in the line's tooltip.
func lineOrder() []stakeholder.RelationType {
	return []stakeholder.RelationType{
		stakeholder.RelCoordinates, stakeholder.RelCollaborates, stakeholder.RelRefers, stakeholder.RelInforms,
		stakeholder.RelAgreement, stakeholder.RelMemberOf, stakeholder.RelServes, stakeholder.RelPeerSupport,
		stakeholder.RelFamily,
	}
}

// level returns the band of an actor: its importance to the person.
func level(a mapdoc.Actor) int {
	if a.Assessment != nil {
		switch a.Assessment.Importance {
		case stakeholder.High:
			return 0
		case stakeholder.Medium:
			return 1
		case stakeholder.Low:
			return 2
		}
	}
	return 3
}

// newEgo starts an ego map of the actors of doc, the citizen in the
// centre.
func newEgo(doc *mapdoc.Document, t *texts) (*egoMap, error) {
	if doc == nil {
		return nil, fmt.Errorf("%w: no document", ErrInput)
	}
	c := doc.Citizen()
	if doc.Focus.Kind != stakeholder.FocusCitizen || c == nil {
		return nil, fmt.Errorf("%w: map %s is not a citizen map with its citizen", ErrInput, doc.ID)
	}
	m := &egoMap{t: t, byID: map[string]*egoActor{}}
	for _, a := range doc.Actors {
		m.addActor(a)
	}
	m.centre = m.byID[c.ID]
	m.mark(doc)
	return m, nil
}

// addActor adds an actor once.
func (m *egoMap) addActor(a mapdoc.Actor) *egoActor {
	if x, ok := m.byID[a.ID]; ok {
		return x
	}
	x := &egoActor{actor: a, id: "a:" + a.ID, slot: slotOf(a.Sector), level: level(a)}
	m.byID[a.ID] = x
	m.actors = append(m.actors, x)
	return x
}

// mark marks the assigned coordinator and the plan's forum of doc.
func (m *egoMap) mark(doc *mapdoc.Document) {
	if co := doc.Coordinator; co != nil && co.Actor != "" && !co.Assigned.IsZero() && !co.Assigned.After(doc.AsOf) {
		if x := m.byID[co.Actor]; x != nil && x != m.centre {
			x.coordinator = true
		}
	}
	if p := doc.Plan; p != nil && p.Actor != "" {
		if x := m.byID[p.Actor]; x != nil {
			parts := []string{m.t.plan, m.t.planStatus[p.Status]}
			last := p.Created
			if p.LastReview.After(last) {
				last = p.LastReview
			}
			if !last.IsZero() && p.Status == stakeholder.PlanActive {
				parts = append(parts, m.t.reviewed+" "+last.String())
			}
			x.plan = strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " · ")
		}
	}
}

// activePairs returns the relations of doc active at its date, grouped by
// pair in the order of each pair's first relation. It refuses relations
// naming actors the document does not have.
func activePairs(doc *mapdoc.Document) ([][]mapdoc.Relation, error) {
	index := map[[2]string]int{}
	var out [][]mapdoc.Relation
	for i, r := range doc.Relations {
		if doc.Actor(r.From) == nil || doc.Actor(r.To) == nil {
			return nil, fmt.Errorf("%w: relation %d of map %s names an actor the map does not have", ErrInput, i, doc.ID)
		}
		if r.From == r.To || !doc.ActiveAt(r, doc.AsOf) {
			continue
		}
		k := pairKey(r.From, r.To)
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], r)
	}
	return out, nil
}

func pairKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// newPair makes the line of the relations of one pair.
func (m *egoMap) newPair(rels []mapdoc.Relation) *egoPair {
	p := &egoPair{rels: rels}
	for _, typ := range lineOrder() {
		if i := slices.IndexFunc(rels, func(r mapdoc.Relation) bool { return r.Type == typ }); i >= 0 {
			p.typ = typ
			p.a, p.b = m.byID[rels[i].From], m.byID[rels[i].To]
			break
		}
	}
	if p.a == nil { // an unknown type: draw it as the first relation
		p.typ = rels[0].Type
		p.a, p.b = m.byID[rels[0].From], m.byID[rels[0].To]
	}
	if p.typ == stakeholder.RelRefers || p.typ == stakeholder.RelInforms {
		fwd, back := false, false
		for _, r := range rels {
			if r.Type == p.typ {
				fwd = fwd || r.From == p.a.actor.ID
				back = back || r.From == p.b.actor.ID
			}
		}
		p.dir = "forward"
		if fwd && back {
			p.dir = "both"
		}
	}
	p.quality = worstQuality(rels)
	return p
}

// worstQuality returns broken if any relation is, else strained if any
// is, else good if any is, else "" (not assessed).
func worstQuality(rels []mapdoc.Relation) stakeholder.Quality {
	var q stakeholder.Quality
	for _, want := range []stakeholder.Quality{stakeholder.QualityBroken, stakeholder.QualityStrained, stakeholder.QualityGood} {
		if slices.ContainsFunc(rels, func(r mapdoc.Relation) bool { return r.Quality == want }) {
			return want
		}
	}
	return q
}

// addGaps numbers the gaps and puts each on the map: a missing tie (P1,
// P5) as a line, P2 and P13 as a ring, every gap as a badge on the actors
// it names (the person left out when it names others too) except the
// missing ties, whose badge is on their line.
func (m *egoMap) addGaps(open []gaps.Gap) error {
	m.list = slices.Clone(open)
	if m.list == nil {
		m.list = []gaps.Gap{}
	}
	lines := map[[2]string]*gapLine{}
	for i, g := range open {
		n := i + 1
		var xs []*egoActor
		for _, id := range g.Actors {
			x := m.byID[id]
			if x == nil {
				return fmt.Errorf("%w: gap %d (%s) names an actor the map does not have", ErrInput, n, g.Rule)
			}
			xs = append(xs, x)
		}
		if (g.Rule == "P1" || g.Rule == "P5") && len(xs) == 2 && xs[0] != m.centre && xs[1] != m.centre {
			k := pairKey(xs[0].actor.ID, xs[1].actor.ID)
			l := lines[k]
			if l == nil {
				l = &gapLine{a: xs[0], b: xs[1]}
				lines[k] = l
				m.gapped = append(m.gapped, l)
			}
			l.numbers = append(l.numbers, n)
			l.rules = append(l.rules, g.Rule)
			continue
		}
		if len(xs) > 1 {
			xs = slices.DeleteFunc(xs, func(x *egoActor) bool { return x == m.centre })
		}
		for _, x := range xs {
			x.badges = append(x.badges, n)
			if g.Rule == "P2" || g.Rule == "P13" {
				x.ringed = true
			}
		}
	}
	return nil
}

// numbers writes gap numbers for a badge.
func numbers(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " ")
}

// MaxDrawnGaps is how many gaps a person's map draws at most: the most
// urgent ones, with the list's title saying how many there are in all. A
// map where dozens of services have no working tie can have hundreds of
// P1 gaps; drawing them all made a 40-actor map take seconds and an
// 80-actor one minutes, and no one can read such a picture.
const MaxDrawnGaps = 40

// mostUrgent keeps the n most urgent gaps (by severity, then in the given
// order), in the given order.
func mostUrgent(open []gaps.Gap, n int) []gaps.Gap {
	rank := map[gaps.Severity]int{gaps.SeverityHigh: 0, gaps.SeverityMedium: 1, gaps.SeverityLow: 2, gaps.SeverityAdvisory: 3}
	idx := make([]int, len(open))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rank[open[a].Severity] - rank[open[b].Severity] })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]gaps.Gap, n)
	for i, j := range idx {
		out[i] = open[j]
	}
	return out
}

// PersonMap draws a citizen map with its open gaps (as gaps.Citizen
// returns them, numbered in that order) as DOT: see the package
// documentation. It returns an error wrapping [ErrOptions] for invalid
// options and [ErrInput] for a document that is not a citizen map, a
// relation or a gap naming an actor the map does not have.
func PersonMap(doc *mapdoc.Document, open []gaps.Gap, o Options) ([]byte, error) {
	t, err := o.texts()
	if err != nil {
		return nil, err
	}
	m, err := newEgo(doc, t)
	if err != nil {
		return nil, err
	}
	pairs, err := activePairs(doc)
	if err != nil {
		return nil, err
	}
	for _, rels := range pairs {
		m.pairs = append(m.pairs, m.newPair(rels))
	}
	if len(open) > MaxDrawnGaps {
		m.t.gapsTitle = fmt.Sprintf(t.someGaps, MaxDrawnGaps, len(open))
		open = mostUrgent(open, MaxDrawnGaps)
	}
	if err := m.addGaps(open); err != nil {
		return nil, err
	}
	m.title = fmt.Sprintf(t.title, m.personName(doc), doc.AsOf.String())
	if o.Title != "" {
		m.title = clean(o.Title)
	}
	return m.write()
}

// personName returns the name shown for the map's person: the focus
// label, else the citizen's name.
func (m *egoMap) personName(doc *mapdoc.Document) string {
	if s := clean(doc.Focus.Label); s != "" {
		return s
	}
	if s := clean(m.centre.actor.Name); s != "" {
		return s
	}
	return m.t.noName
}
