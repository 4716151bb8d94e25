package gaps

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/measures"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Area is the system-wide graph of a bundle: its organisations, and for
// each pair of them what the citizen maps and the organisation map say.
// Every figure about fewer than K citizens is suppressed: left out (0) and
// flagged, never shown.
type Area struct {
	// Scope names the area in gap ids: "system/" and the municipality
	// numbers of the bundle's maps joined by "+".
	Scope          string    `json:"scope"`
	Municipalities []string  `json:"municipalities"`
	AsOf           date.Date `json:"asOf,omitzero"`
	K              int       `json:"k"`
	CitizenMaps    int       `json:"citizenMaps"`
	// Organisations are the directory entries of the area's
	// municipalities and every entry a map of the bundle points at,
	// sorted by id.
	Organisations []AreaOrganisation `json:"organisations"`
	// Pairs are the pairs of organisations that share a citizen, have
	// referrals or information between them, or an agreement, sorted.
	Pairs []AreaPair `json:"pairs"`
	// SuppressedCells counts the figures left out because they concern
	// fewer than K citizens.
	SuppressedCells int `json:"suppressedCells"`
}

// AreaOrganisation is an organisation of the area.
type AreaOrganisation struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Sector       stakeholder.Sector `json:"sector"`
	Municipality string             `json:"municipality,omitempty"`
	// Citizens is in how many citizen maps it serves the person (0 when
	// suppressed).
	Citizens   int  `json:"citizens,omitempty"`
	Suppressed bool `json:"suppressed,omitempty"`
	// Forums counts the system-level forums of the organisation map it is
	// an active member of.
	Forums int `json:"forums"`
	// Ties is its degree in the organisation graph: 0 for the
	// coordinating and governing bodies, which are left out of it, and
	// ties with them are not counted.
	Ties int `json:"ties"`
}

// AreaPair joins two organisations, A < B.
type AreaPair struct {
	A string `json:"a"`
	B string `json:"b"`
	// Shared is how many citizen maps have both among the person's
	// services; Collaborating in how many of those they have a working
	// tie. Both 0 when Suppressed (fewer than K shared); Collaborating
	// alone is 0 when CollaboratingSuppressed (1 to K−1 of them).
	Shared                  int  `json:"shared,omitempty"`
	Collaborating           int  `json:"collaborating,omitempty"`
	Suppressed              bool `json:"suppressed,omitempty"`
	CollaboratingSuppressed bool `json:"collaboratingSuppressed,omitempty"`
	// FlowsAB and FlowsBA count the citizen maps with an active refers or
	// informs relation from an actor of A to one of B, and back. Both 0
	// when FlowsSuppressed (fewer than K maps with a flow either way);
	// one of them 0 when FlowsABSuppressed or FlowsBASuppressed (1 to K−1
	// maps with a flow that way).
	FlowsAB           int  `json:"flowsAB,omitempty"`
	FlowsBA           int  `json:"flowsBA,omitempty"`
	FlowsSuppressed   bool `json:"flowsSuppressed,omitempty"`
	FlowsABSuppressed bool `json:"flowsABSuppressed,omitempty"`
	FlowsBASuppressed bool `json:"flowsBASuppressed,omitempty"`
	// Agreement is true when an active agreement relation joins them on
	// the organisation map; AgreementEnded is the latest end of an ended
	// one when there is no active one.
	Agreement      bool      `json:"agreement,omitempty"`
	AgreementEnded date.Date `json:"agreementEnded,omitzero"`
	// Tie is true when the pair is tied in the organisation graph:
	// collaboration on at least TieCitizens maps, or an agreement. A pair
	// with a coordinating or governing body may meet that, but the body
	// is no vertex of the graph (see [Area.Network]).
	Tie bool `json:"tie,omitempty"`
}

// MapGaps are the citizen gaps of one map of a bundle.
type MapGaps struct {
	Map  string `json:"map"`
	Gaps []Gap  `json:"gaps"`
}

// Prevalence is one cell of the S9 table: how many of the citizen maps of
// a municipality, or of an organisation's caseload, have gaps of one rule.
type Prevalence struct {
	Municipality string `json:"municipality,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Rule         string `json:"rule"`
	Maps         int    `json:"maps"`
	// WithGap and Share are 0 and Suppressed true when 1–K−1 maps have
	// the gap.
	WithGap    int     `json:"withGap"`
	Share      float64 `json:"share"`
	Suppressed bool    `json:"suppressed,omitempty"`
}

// SystemResult is what [System] finds in a bundle.
type SystemResult struct {
	Area Area `json:"area"`
	// Gaps are the system gaps S1–S10, sorted by rule, then actors.
	Gaps []Gap `json:"gaps"`
	// Citizen are the P-gaps of each citizen map, in bundle order.
	Citizen []MapGaps `json:"citizen"`
	// Prevalence is the S9 table: per municipality, then per organisation
	// (caseloads of at least K maps only), each by rule.
	Prevalence []Prevalence `json:"prevalence"`
}

// System evaluates the citizen rules on every map of b and the system
// rules S1–S10 on the area the bundle covers. Organisations are the
// bundle's directory entries; an actor stands for one when its directory
// field names it. The organisation map (if any) supplies agreements and
// system-level forums at its asOf date; each citizen map is read at its
// own asOf. It returns an error wrapping [ErrInvalidConfig] for an invalid
// configuration, and one wrapping [ErrNotCitizenMap] naming the map when
// a map of b.Maps cannot be evaluated as a citizen map. b is only read.
func System(b *mapdoc.Bundle, cfg SystemConfig) (*SystemResult, error) {
	if b == nil {
		return nil, fmt.Errorf("gaps: no bundle")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for i := range b.Maps {
		if err := checkCitizen(&b.Maps[i]); err != nil {
			return nil, fmt.Errorf("map %d (%s): %w", i, b.Maps[i].ID, err)
		}
	}
	s := newSystem(b, cfg)
	s.aggregate()
	s.evaluate()
	return s.result(), nil
}

// system holds one evaluation of a bundle.
type system struct {
	b     *mapdoc.Bundle
	cfg   SystemConfig
	rules []Rule

	entries map[string]mapdoc.Entry // the directory by id
	orgs    []string                // the area's organisations, sorted
	index   map[string]int          // position in orgs
	area    Area
	ids     idPrefix // GapID of area.Scope

	caseload  map[string]int
	shared    map[[2]string]int
	collab    map[[2]string]int
	flows     map[[2]string]int // ordered (from, to)
	flowMaps  map[[2]string]int // maps with a flow either way, by sorted pair
	agreement map[[2]string]bool
	ended     map[[2]string]date.Date
	forums    map[string]int

	citizen []MapGaps
	byRule  map[string]map[string]int // municipality → rule → maps
	muniMap map[string]int            // municipality → maps
	orgRule map[string]map[string]int // organisation → rule → maps

	pairs map[[2]string]*AreaPair
	m     measures.Result // of the organisation graph
	out   []Gap
}

func sortedPair(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

func newSystem(b *mapdoc.Bundle, cfg SystemConfig) *system {
	s := &system{b: b, cfg: cfg, rules: SystemRules(), entries: map[string]mapdoc.Entry{},
		caseload: map[string]int{}, shared: map[[2]string]int{}, collab: map[[2]string]int{},
		flows: map[[2]string]int{}, flowMaps: map[[2]string]int{}, agreement: map[[2]string]bool{},
		ended: map[[2]string]date.Date{}, forums: map[string]int{},
		byRule: map[string]map[string]int{}, muniMap: map[string]int{}, orgRule: map[string]map[string]int{},
		pairs: map[[2]string]*AreaPair{}}
	for _, e := range b.Directory {
		if _, dup := s.entries[e.ID]; !dup {
			s.entries[e.ID] = e
		}
	}
	munis := map[string]bool{}
	inArea := map[string]bool{}
	docs := b.Maps
	if b.OrganisationMap != nil {
		docs = append([]mapdoc.Document{*b.OrganisationMap}, docs...)
	}
	for _, d := range docs {
		if d.Focus.Municipality != "" {
			munis[d.Focus.Municipality] = true
		}
		if d.AsOf.After(s.area.AsOf) {
			s.area.AsOf = d.AsOf
		}
		for _, a := range d.Actors {
			if _, ok := s.entries[a.Directory]; ok {
				inArea[a.Directory] = true
			}
		}
	}
	if b.OrganisationMap != nil {
		s.area.AsOf = b.OrganisationMap.AsOf
	}
	for _, e := range b.Directory {
		if munis[e.Municipality] {
			inArea[e.ID] = true
		}
	}
	s.area.Municipalities = sortedKeys(munis)
	s.area.Scope = "system/" + strings.Join(s.area.Municipalities, "+")
	s.ids = newIDPrefix(s.area.Scope)
	s.area.K = cfg.K
	s.orgs = sortedKeys(inArea)
	s.index = make(map[string]int, len(s.orgs))
	for i, id := range s.orgs {
		s.index[id] = i
	}
	return s
}

// aggregate reads every map once.
//
// The citizen maps are evaluated in chunks, each chunk's maps in parallel
// on every processor (they share nothing), then counted in bundle order,
// so the result does not depend on the schedule.
func (s *system) aggregate() {
	const chunk = 256
	workers := runtime.GOMAXPROCS(0)
	evals := make([]*evaluator, chunk)
	found := make([][]Gap, chunk)
	for start := 0; start < len(s.b.Maps); start += chunk {
		n := min(chunk, len(s.b.Maps)-start)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < n; i += workers {
					evals[i] = newEvaluator(&s.b.Maps[start+i], s.cfg.Citizen)
					found[i] = evals[i].run()
				}
			})
		}
		wg.Wait()
		for i := range n {
			s.citizen = append(s.citizen, MapGaps{Map: s.b.Maps[start+i].ID, Gaps: found[i]})
			s.area.CitizenMaps++
			s.countMap(evals[i], found[i])
		}
	}
	if om := s.b.OrganisationMap; om != nil {
		s.organisationMap(om)
	}
}

// countMap adds one citizen map: its organisations among A(C), the pairs
// that share the person and whether they work together, the flows of
// referrals and information between organisations, and its P-gaps.
func (s *system) countMap(e *evaluator, found []Gap) {
	org := func(id string) string {
		if a := e.actor[id]; a != nil {
			if _, ok := s.index[a.Directory]; ok {
				return a.Directory
			}
		}
		return ""
	}
	actorsOf := map[string][]string{} // organisation → its actors in A(C)
	for _, id := range e.a {
		if o := org(id); o != "" {
			actorsOf[o] = append(actorsOf[o], id)
		}
	}
	served := sortedKeys(boolSet(actorsOf))
	for i, a := range served {
		s.caseload[a]++
		for _, b := range served[i+1:] {
			p := [2]string{a, b}
			s.shared[p]++
			if s.collaborate(e, actorsOf[a], actorsOf[b]) {
				s.collab[p]++
			}
		}
	}
	seen := map[[2]string]bool{}
	for _, r := range e.active {
		if r.Type != stakeholder.RelRefers && r.Type != stakeholder.RelInforms {
			continue
		}
		from, to := org(r.From), org(r.To)
		if from == "" || to == "" || from == to || seen[[2]string{from, to}] {
			continue
		}
		seen[[2]string{from, to}] = true
		s.flows[[2]string{from, to}]++
	}
	pairs := map[[2]string]bool{}
	for p := range seen {
		pairs[sortedPair(p[0], p[1])] = true
	}
	for p := range pairs {
		s.flowMaps[p]++
	}

	m := e.doc.Focus.Municipality
	s.muniMap[m]++
	rules := map[string]bool{}
	for _, g := range found {
		rules[g.Rule] = true
	}
	for r := range rules {
		inc(s.byRule, m, r)
		for _, o := range served {
			inc(s.orgRule, o, r)
		}
	}
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func inc(m map[string]map[string]int, a, b string) {
	if m[a] == nil {
		m[a] = map[string]int{}
	}
	m[a][b]++
}

// collaborate reports whether some actor of one organisation has a
// working tie with some actor of the other on the map.
func (s *system) collaborate(e *evaluator, as, bs []string) bool {
	for _, u := range as {
		for _, v := range bs {
			if e.working(u, v) {
				return true
			}
		}
	}
	return false
}

// organisationMap reads agreements and system-level forum membership.
func (s *system) organisationMap(d *mapdoc.Document) {
	org := func(id string) string {
		if a := d.Actor(id); a != nil {
			if _, ok := s.index[a.Directory]; ok {
				return a.Directory
			}
		}
		return ""
	}
	forums := map[string]map[string]bool{} // organisation → forums
	for _, r := range d.Relations {
		switch r.Type {
		case stakeholder.RelAgreement:
			a, b := org(r.From), org(r.To)
			if a == "" || b == "" || a == b {
				continue
			}
			p := sortedPair(a, b)
			switch {
			case d.ActiveAt(r, d.AsOf):
				s.agreement[p] = true
			case !r.ValidTo.IsZero() && !r.ValidTo.After(d.AsOf) && r.ValidTo.After(s.ended[p]):
				s.ended[p] = r.ValidTo
			}
		case stakeholder.RelMemberOf:
			f := d.Actor(r.To)
			o := org(r.From)
			if o == "" || f == nil || f.Kind != stakeholder.KindForum || !d.ActiveAt(r, d.AsOf) {
				continue
			}
			if forums[o] == nil {
				forums[o] = map[string]bool{}
			}
			forums[o][r.To] = true
		}
	}
	for o, fs := range forums {
		s.forums[o] = len(fs)
	}
}

// show returns a count of citizens' maps as the area shows it: n, or 0
// and true (counted as a suppressed cell) when it is 1 to K−1.
func (s *system) show(n int) (int, bool) {
	if n > 0 && n < s.cfg.K {
		s.area.SuppressedCells++
		return 0, true
	}
	return n, false
}

// pair returns the pair record of p, creating it.
func (s *system) pair(p [2]string) *AreaPair {
	ap := s.pairs[p]
	if ap == nil {
		ap = &AreaPair{A: p[0], B: p[1]}
		s.pairs[p] = ap
	}
	return ap
}

// evaluate builds the suppressed area and runs S1–S10.
func (s *system) evaluate() {
	k := s.cfg.K
	for p, n := range s.shared {
		ap := s.pair(p)
		if n >= k {
			ap.Shared = n
			ap.Collaborating, ap.CollaboratingSuppressed = s.show(s.collab[p])
			ap.Tie = s.collab[p] >= s.cfg.TieCitizens
		} else {
			ap.Suppressed = true
			s.area.SuppressedCells++
		}
	}
	for p, n := range s.flowMaps {
		ap := s.pair(p)
		if n >= k {
			ap.FlowsAB, ap.FlowsABSuppressed = s.show(s.flows[[2]string{p[0], p[1]}])
			ap.FlowsBA, ap.FlowsBASuppressed = s.show(s.flows[[2]string{p[1], p[0]}])
		} else {
			ap.FlowsSuppressed = true
			s.area.SuppressedCells++
		}
	}
	for p := range s.agreement {
		ap := s.pair(p)
		ap.Agreement, ap.Tie = true, true
	}
	for p, d := range s.ended {
		if !s.agreement[p] {
			s.pair(p).AgreementEnded = d
		}
	}
	for key, p := range s.pairs {
		// a pair known only from suppressed cells is not listed at all
		shown := p.Shared > 0 || (!p.FlowsSuppressed && s.flowMaps[key] > 0) || p.Agreement || !p.AgreementEnded.IsZero()
		if shown {
			s.area.Pairs = append(s.area.Pairs, *p)
		}
	}
	slices.SortFunc(s.area.Pairs, func(x, y AreaPair) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })

	ties := map[string]int{}
	for _, p := range s.area.Pairs {
		if p.Tie && s.graphed(p.A) && s.graphed(p.B) {
			ties[p.A]++
			ties[p.B]++
		}
	}
	for _, id := range s.orgs {
		e := s.entries[id]
		o := AreaOrganisation{ID: id, Name: e.Name, Sector: e.Sector, Municipality: e.Municipality,
			Forums: s.forums[id], Ties: ties[id]}
		if n := s.caseload[id]; n >= k {
			o.Citizens = n
		} else if n > 0 {
			o.Suppressed = true
			s.area.SuppressedCells++
		}
		s.area.Organisations = append(s.area.Organisations, o)
	}

	s.measure()
	checks := [systemRuleCount]func(){s.s1, s.s2, s.s3, s.s4, s.s5, s.s6, s.s7, s.s8, s.s9, s.s10}
	for i, check := range checks {
		if !s.cfg.Disabled[s.rules[i].ID] {
			check()
		}
	}
	slices.SortStableFunc(s.out, func(a, b Gap) int {
		if d := systemIndex(a.Rule) - systemIndex(b.Rule); d != 0 {
			return d
		}
		return slices.Compare(a.Actors, b.Actors)
	})
}

func (s *system) result() *SystemResult {
	r := &SystemResult{Area: s.area, Gaps: s.out, Citizen: s.citizen, Prevalence: s.prevalence()}
	if r.Gaps == nil {
		r.Gaps = []Gap{}
	}
	if r.Citizen == nil {
		r.Citizen = []MapGaps{}
	}
	if r.Area.Organisations == nil {
		r.Area.Organisations = []AreaOrganisation{}
	}
	if r.Area.Pairs == nil {
		r.Area.Pairs = []AreaPair{}
	}
	if r.Area.Municipalities == nil {
		r.Area.Municipalities = []string{}
	}
	return r
}

// add records a system gap of rule id about actors (directory ids), with
// keys naming what it is about (a sector, a rule), so that its id stays
// the same while the organisations of a sector change.
func (s *system) add(id string, actors, keys []string, explanation Text, details map[string]any) {
	r := s.rules[systemIndex(id)]
	actors = slices.Clone(actors)
	slices.Sort(actors)
	if actors == nil {
		actors = []string{}
	}
	if keys == nil {
		keys = actors
	}
	s.out = append(s.out, Gap{ID: s.ids.id(id, keys), Rule: id, Actors: actors, Severity: r.Severity,
		Explanation: explanation, Next: r.Next, Source: r.Source, Details: details})
}

// orgText names an organisation by its directory name (organisations are
// not personal data), or its id when the directory lacks it.
func (s *system) orgText(id string) Text {
	if e, ok := s.entries[id]; ok && e.Name != "" {
		return Text{e.Name, e.Name}
	}
	return Text{id, id}
}

func (s *system) sector(id string) stakeholder.Sector { return s.entries[id].Sector }
