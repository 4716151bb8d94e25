package gaps

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Gap is one finding.
type Gap struct {
	// ID is stable across runs: see [GapID].
	ID string `json:"id"`
	// Rule is "P1" … "P14".
	Rule string `json:"rule"`
	// Actors are the document-local ids of the actors concerned, sorted.
	Actors   []string `json:"actors"`
	Severity Severity `json:"severity"`
	// Explanation says what was found in plain words, naming sectors and
	// roles, never personal names.
	Explanation Text `json:"explanation"`
	// Next is the suggested next step.
	Next Text `json:"next"`
	// Source is where the rule comes from.
	Source string `json:"source"`
	// Details holds the figures behind the finding (see the package
	// documentation for the keys of each rule).
	Details map[string]any `json:"details,omitempty"`
}

// OutputGap is a gap as `samspill analyse --format json` prints it
// (map-document.md), in one language, with its id.
type OutputGap struct {
	Rule        string   `json:"rule"`
	Actors      []string `json:"actors"`
	Severity    Severity `json:"severity"`
	Explanation string   `json:"explanation"`
	Next        string   `json:"next"`
	ID          string   `json:"id"`
}

// Output returns g in the shape of map-document.md's analyse output, with
// the explanation and next step in lang ("en" or "nb"; see [Text.In]).
func (g Gap) Output(lang string) OutputGap {
	actors := slices.Clone(g.Actors)
	if actors == nil {
		actors = []string{}
	}
	return OutputGap{Rule: g.Rule, Actors: actors, Severity: g.Severity,
		Explanation: g.Explanation.In(lang), Next: g.Next.In(lang), ID: g.ID}
}

// GapID returns the id of the gap of rule on map mapID concerning actors:
// the first 16 hex digits of the SHA-256 of the map id, the rule and the
// sorted actor ids, each followed by a newline. It depends on nothing else,
// so the same finding keeps its id from one evaluation to the next, and a
// gap closes and opens under the same id.
func GapID(mapID, rule string, actors []string) string {
	return newIDPrefix(mapID).id(rule, actors)
}

// idPrefix is the SHA-256 state after a map id (or a system scope, which
// may list hundreds of municipalities), hashed once for many gap ids.
type idPrefix struct{ state []byte }

func newIDPrefix(mapID string) idPrefix {
	h := sha256.New()
	h.Write([]byte(mapID + "\n"))
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic(fmt.Sprintf("gaps: sha256 state: %v", err)) // cannot happen: crypto/sha256 implements it
	}
	return idPrefix{state}
}

// id is GapID of the prefix's map id.
func (p idPrefix) id(rule string, actors []string) string {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.state); err != nil {
		panic(fmt.Sprintf("gaps: sha256 state: %v", err))
	}
	sorted := slices.Clone(actors)
	slices.Sort(sorted)
	h.Write([]byte(rule + "\n"))
	for _, a := range sorted {
		h.Write([]byte(a + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Citizen evaluates the rules P1–P14 on a citizen map at its asOf date and
// returns the gaps sorted by rule number, then by actors. It returns an
// error wrapping [ErrNotCitizenMap] for a nil document, one whose focus is
// not a citizen, without the citizen actor or without asOf, and the error
// of [Config.Validate] for an invalid configuration. The document is only
// read.
func Citizen(doc *mapdoc.Document, cfg Config) ([]Gap, error) {
	if err := checkCitizen(doc); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newEvaluator(doc, cfg).run(), nil
}

// checkCitizen returns the error [Citizen] gives for a document it cannot
// evaluate.
func checkCitizen(doc *mapdoc.Document) error {
	switch {
	case doc == nil:
		return fmt.Errorf("%w: no document", ErrNotCitizenMap)
	case doc.Focus.Kind != stakeholder.FocusCitizen:
		return fmt.Errorf("%w: the focus is %q", ErrNotCitizenMap, doc.Focus.Kind)
	case doc.Citizen() == nil:
		return fmt.Errorf("%w: no actor of sector citizen", ErrNotCitizenMap)
	case doc.AsOf.IsZero():
		return fmt.Errorf("%w: no asOf date", ErrNotCitizenMap)
	}
	return nil
}

// run evaluates the enabled rules once and returns the gaps sorted.
func (e *evaluator) run() []Gap {
	checks := [ruleCount]func(){e.p1, e.p2, e.p3, e.p4, e.p5, e.p6, e.p7, e.p8, e.p9, e.p10, e.p11, e.p12, e.p13, e.p14}
	for i, check := range checks {
		if e.cfg.enabled(e.rules[i].ID) {
			check()
		}
	}
	slices.SortStableFunc(e.out, func(a, b Gap) int {
		if d := ruleIndex(a.Rule) - ruleIndex(b.Rule); d != 0 {
			return d
		}
		return slices.Compare(a.Actors, b.Actors)
	})
	if e.out == nil {
		e.out = []Gap{}
	}
	return e.out
}

// evaluator holds what every rule needs of one document at one date.
type evaluator struct {
	doc   *mapdoc.Document
	cfg   Config
	rules []Rule
	t     date.Date
	c     string                   // the citizen
	actor map[string]*mapdoc.Actor // by id

	active []mapdoc.Relation // active at t, in document order
	inA    map[string]bool   // A(C)
	a      []string          // A(C), sorted
	inLT   map[string]bool   // LT(C)
	lt     []string          // LT(C), sorted

	tied        map[[2]string]bool  // working ties by sorted pair (see index)
	memberships map[string][]string // forums by actor (see index)

	planForum  string // the plan's forum, "" when none
	planActive bool
	coord      string // the assigned coordinator, "" when none
	offered    bool   // a coordinator offered (or offered and declined)

	out []Gap
}

func newEvaluator(doc *mapdoc.Document, cfg Config) *evaluator {
	e := &evaluator{doc: doc, cfg: cfg, rules: Rules(), t: doc.AsOf, c: doc.Citizen().ID,
		actor: make(map[string]*mapdoc.Actor, len(doc.Actors)), inA: map[string]bool{}, inLT: map[string]bool{}}
	for i := range doc.Actors {
		if _, dup := e.actor[doc.Actors[i].ID]; !dup {
			e.actor[doc.Actors[i].ID] = &doc.Actors[i]
		}
	}
	for _, r := range doc.Relations {
		if r.From != r.To && doc.ActiveAt(r, e.t) {
			e.active = append(e.active, r)
		}
	}
	// A(C) and LT(C).
	for _, r := range e.active {
		o, ok := e.other(r, e.c)
		if !ok || r.Type != stakeholder.RelServes || !e.sector(o).IsService() {
			continue
		}
		e.inA[o] = true
		if e.days(r.ValidFrom) > cfg.LongTermDays {
			e.inLT[o] = true
		}
	}
	e.a, e.lt = sortedKeys(e.inA), sortedKeys(e.inLT)

	if p := doc.Plan; p != nil {
		e.planForum = p.Actor
		e.planActive = p.Status == stakeholder.PlanActive
	}
	if co := doc.Coordinator; co != nil {
		if co.Actor != "" && co.Actor != e.c && e.actor[co.Actor] != nil && e.onOrBefore(co.Assigned) {
			e.coord = co.Actor
		}
		e.offered = e.onOrBefore(co.Offered) || e.onOrBefore(co.Declined)
	}
	return e
}

// --- helpers -------------------------------------------------------------

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// pair returns u and v sorted.
func pair(u, v string) []string {
	if v < u {
		u, v = v, u
	}
	return []string{u, v}
}

// days returns the whole days from d to the map date.
func (e *evaluator) days(d date.Date) int { return e.t.DaysSince(d) }

// onOrBefore reports whether d is a date on or before the map date.
func (e *evaluator) onOrBefore(d date.Date) bool { return !d.IsZero() && !d.After(e.t) }

// other returns the end of r that is not x, when r touches x.
func (e *evaluator) other(r mapdoc.Relation, x string) (string, bool) {
	switch x {
	case r.From:
		return r.To, true
	case r.To:
		return r.From, true
	}
	return "", false
}

func (e *evaluator) sector(id string) stakeholder.Sector {
	if a := e.actor[id]; a != nil {
		return a.Sector
	}
	return ""
}

// joins reports whether r is between u and v.
func joins(r mapdoc.Relation, u, v string) bool {
	return (r.From == u && r.To == v) || (r.From == v && r.To == u)
}

// memberOf reports whether x is an active member of forum f (an active
// member-of relation from x to f).
func (e *evaluator) memberOf(x, f string) bool {
	if f == "" {
		return false
	}
	for _, r := range e.active {
		if r.Type == stakeholder.RelMemberOf && r.From == x && r.To == f {
			return true
		}
	}
	return false
}

// inActivePlan reports whether x is an active member of the active plan.
func (e *evaluator) inActivePlan(x string) bool {
	return e.planActive && e.memberOf(x, e.planForum)
}

// forums returns the forums x is an active member of; the plan's forum
// counts only while the plan is active.
func (e *evaluator) forums(x string) []string {
	e.index()
	return e.memberships[x]
}

// index builds, once, the working ties by pair and the forum memberships
// by actor, so that working is a lookup rather than a scan of every
// relation (P1 asks it of every pair of services).
func (e *evaluator) index() {
	if e.tied != nil {
		return
	}
	e.tied = map[[2]string]bool{}
	e.memberships = map[string][]string{}
	for _, r := range e.active {
		if r.Type.IsWorkingTie() && e.days(e.doc.LastContact(r)) <= e.cfg.WorkingTieDays {
			e.tied[sortedPair(r.From, r.To)] = true
		}
		if r.Type != stakeholder.RelMemberOf {
			continue
		}
		f := e.actor[r.To]
		if f == nil || f.Kind != stakeholder.KindForum || (r.To == e.planForum && !e.planActive) {
			continue
		}
		e.memberships[r.From] = append(e.memberships[r.From], r.To)
	}
}

// working reports whether u and v have a working tie: an active
// collaborates, coordinates, refers or informs relation between them whose
// last contact is at most WorkingTieDays old, or active membership of one
// forum.
func (e *evaluator) working(u, v string) bool {
	e.index()
	if e.tied[sortedPair(u, v)] {
		return true
	}
	fv := e.memberships[v]
	for _, f := range e.memberships[u] {
		if slices.Contains(fv, f) {
			return true
		}
	}
	return false
}

// professional returns the professional graph: every actor but C and
// every active relation that does not touch C.
func (e *evaluator) professional() *graph {
	var nodes []string
	for _, a := range e.doc.Actors {
		if a.ID != e.c {
			nodes = append(nodes, a.ID)
		}
	}
	var ties [][2]string
	for _, r := range e.active {
		if r.From != e.c && r.To != e.c {
			ties = append(ties, [2]string{r.From, r.To})
		}
	}
	return newGraph(nodes, ties)
}

// full returns the whole network: every actor and active relation.
func (e *evaluator) full() *graph {
	nodes := make([]string, 0, len(e.doc.Actors))
	for _, a := range e.doc.Actors {
		nodes = append(nodes, a.ID)
	}
	ties := make([][2]string, 0, len(e.active))
	for _, r := range e.active {
		ties = append(ties, [2]string{r.From, r.To})
	}
	return newGraph(nodes, ties)
}

// actorText names an actor by its role or sector.
func (e *evaluator) actorText(id string) Text {
	switch {
	case id == e.c:
		return Text{"the person", "personen"}
	case id != "" && id == e.planForum:
		return Text{"the individual plan", "den individuelle planen"}
	}
	if a := e.actor[id]; a != nil && a.Kind == stakeholder.KindForum {
		return Text{"a forum (such as a responsibility group)", "et forum (for eksempel en ansvarsgruppe)"}
	}
	return sectorText(e.sector(id))
}

// pairText names two actors, "X and Y" in domain.md's order of sectors,
// or "two actors of X" when they are of one sector.
func (e *evaluator) pairText(u, v string) Text {
	if sectorRank(e.sector(v)) < sectorRank(e.sector(u)) {
		u, v = v, u
	}
	tu, tv := e.actorText(u), e.actorText(v)
	if tu == tv {
		return fragf("two actors of %s", "to aktører i %s", tu)
	}
	return fragf("%s and %s", "%s og %s", tu, tv)
}

// add records a gap of rule id.
func (e *evaluator) add(id string, actors []string, explanation Text, details map[string]any) {
	r := e.rules[ruleIndex(id)]
	actors = slices.Clone(actors)
	slices.Sort(actors)
	e.out = append(e.out, Gap{ID: GapID(e.doc.ID, id, actors), Rule: id, Actors: actors, Severity: r.Severity,
		Explanation: explanation, Next: r.Next, Source: r.Source, Details: details})
}

// --- the rules -----------------------------------------------------------

// p1: two services of A(C) of different sectors without a working tie.
func (e *evaluator) p1() {
	for i, u := range e.a {
		for _, v := range e.a[i+1:] {
			su, sv := e.sector(u), e.sector(v)
			if su == sv || e.working(u, v) {
				continue
			}
			e.add("P1", []string{u, v}, textf(
				"%s both serve the person but have no working tie: no collaboration, coordination, referral or information relation with contact in the last %d days, and no shared forum.",
				"%s yter begge tjenester til personen, men har ingen arbeidsrelasjon: ingen relasjon for samarbeid, koordinering, henvisning eller informasjon med kontakt de siste %d dagene, og ikke noe felles forum.",
				e.pairText(u, v), e.cfg.WorkingTieDays), map[string]any{"sectors": []string{string(e.sector(u)), string(e.sector(v))}})
		}
	}
}

// p2: the services of A(C) lie in two or more components of the
// professional graph.
func (e *evaluator) p2() {
	if len(e.a) < 2 {
		return
	}
	comp := e.professional().components("")
	groups := map[int][]string{}
	for _, a := range e.a {
		groups[comp[a]] = append(groups[comp[a]], a)
	}
	if len(groups) < 2 {
		return
	}
	islands := make([][]string, 0, len(groups))
	for _, g := range groups {
		islands = append(islands, g) // each sorted, since e.a is
	}
	slices.SortFunc(islands, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
	var en, nb []string
	for i, is := range islands {
		ss := make([]stakeholder.Sector, len(is))
		for j, a := range is {
			ss[j] = e.sector(a)
		}
		t := sectorsText(ss)
		en = append(en, fmt.Sprintf("(%d) %s", i+1, t.EN))
		nb = append(nb, fmt.Sprintf("(%d) %s", i+1, t.NB))
	}
	eff, con := e.full().burt(e.c)
	e.add("P2", []string{e.c}, textf(
		"the person's services fall into %d groups with no link between them except the person: %s. The person has to carry information between them (Burt: effective size %s, constraint %s).",
		"tjenestene rundt personen faller i %d grupper uten annen forbindelse enn personen selv: %s. Personen må selv bære informasjon mellom dem (Burt: effektiv størrelse %s, begrensning %s).",
		len(islands), Text{strings.Join(en, "; "), strings.Join(nb, "; ")}, number(eff), number(con)),
		map[string]any{"components": len(islands), "islands": islands, "effectiveSize": eff, "constraint": con})
}

// p3: |LT(C)| ≥ 2 and no coordinator assigned or offered.
func (e *evaluator) p3() {
	if len(e.lt) < 2 || e.coord != "" || e.offered {
		return
	}
	e.add("P3", []string{e.c}, textf(
		"%d services have served the person for more than %d days, and no coordinator has been assigned or offered.",
		"%d tjenester har gitt personen tjenester i mer enn %d dager, og ingen koordinator er oppnevnt eller tilbudt.",
		len(e.lt), e.cfg.LongTermDays), map[string]any{"longTerm": slices.Clone(e.lt)})
}

// p4: no active or declined plan while |LT(C)| ≥ 2; or a stale active plan.
func (e *evaluator) p4() {
	p := e.doc.Plan
	if e.planActive {
		last := p.Created
		if p.LastReview.After(last) {
			last = p.LastReview
		}
		if last.IsZero() || e.days(last) <= e.cfg.PlanReviewDays {
			return
		}
		actors := []string{e.c}
		if e.planForum != "" {
			actors = []string{e.planForum}
		}
		d := e.days(last)
		e.add("P4", actors, textf(
			"the individual plan was last reviewed (or created) %d days ago, more than %d days.",
			"den individuelle planen ble sist evaluert (eller opprettet) for %d dager siden, mer enn %d dager.",
			d, e.cfg.PlanReviewDays), map[string]any{"reason": "stale", "daysSinceReview": d})
		return
	}
	if len(e.lt) < 2 || (p != nil && p.Status == stakeholder.PlanDeclined) {
		return
	}
	e.add("P4", []string{e.c}, textf(
		"%d services have served the person for more than %d days, and there is no active individual plan, nor a record that the person declined one.",
		"%d tjenester har gitt personen tjenester i mer enn %d dager, og det finnes verken en aktiv individuell plan eller et registrert avslag på plan.",
		len(e.lt), e.cfg.LongTermDays), map[string]any{"reason": "none", "longTerm": slices.Clone(e.lt)})
}

// p5: the coordinator lacks a working tie with a service of A(C).
func (e *evaluator) p5() {
	if e.coord == "" {
		return
	}
	ct := e.actorText(e.coord)
	for _, a := range e.a {
		if a == e.coord || e.working(a, e.coord) {
			continue
		}
		at := e.actorText(a)
		if at == ct {
			at = fragf("another actor of %s", "en annen aktør i %s", at)
		}
		e.add("P5", []string{a, e.coord}, textf(
			"the coordinator, from %s, has no working tie with %s, which serves the person.",
			"koordinatoren, fra %s, har ingen arbeidsrelasjon til %s, som yter tjenester til personen.",
			ct, at), map[string]any{"coordinator": e.coord})
	}
}

// p6: an active plan lacks a service of LT(C).
func (e *evaluator) p6() {
	if !e.planActive || e.planForum == "" {
		return
	}
	for _, a := range e.lt {
		if e.memberOf(a, e.planForum) {
			continue
		}
		e.add("P6", []string{a, e.planForum}, textf(
			"%s has served the person for more than %d days but is not a member of the person's active individual plan.",
			"%s har gitt personen tjenester i mer enn %d dager, men er ikke med i personens aktive individuelle plan.",
			e.actorText(a), e.cfg.LongTermDays), map[string]any{"plan": e.planForum})
	}
}

// p7: services but no primary-health actor among them.
func (e *evaluator) p7() {
	if len(e.a) == 0 {
		return
	}
	for _, a := range e.a {
		if e.sector(a) == stakeholder.SectorPrimaryHealth {
			return
		}
	}
	e.add("P7", []string{e.c}, textf(
		"the person receives services, but none from primary health care (a regular GP).",
		"personen får tjenester, men ingen fra primærhelsetjenesten (fastlege).",
	), map[string]any{"services": len(e.a)})
}

// p8: specialist services but no user-organisation or peer relation with C.
func (e *evaluator) p8() {
	var spec []string
	var ss []stakeholder.Sector
	for _, a := range e.a {
		if s := e.sector(a); s == stakeholder.SectorSpecialistMH || s == stakeholder.SectorSpecialistSU {
			spec = append(spec, a)
			ss = append(ss, s)
		}
	}
	if len(spec) == 0 {
		return
	}
	for _, r := range e.active {
		if o, ok := e.other(r, e.c); ok {
			if s := e.sector(o); s == stakeholder.SectorUserOrg || s == stakeholder.SectorPeer {
				return
			}
		}
	}
	e.add("P8", []string{e.c}, textf(
		"the person is followed up by %s, but has no contact with a user organisation or a peer worker.",
		"personen følges opp av %s, men har ingen kontakt med en brukerorganisasjon eller en erfaringskonsulent/likeperson.",
		sectorsText(ss)), map[string]any{"specialists": spec})
}

// consent returns the latest consent status recorded for actor id on or
// before the map date, or "" when none is.
func (e *evaluator) consent(id string) stakeholder.Consent {
	var latest *mapdoc.Consent
	for i := range e.doc.Consent {
		c := &e.doc.Consent[i]
		if c.Actor != id || c.Date.After(e.t) {
			continue
		}
		if latest == nil || !c.Date.Before(latest.Date) {
			latest = c
		}
	}
	if latest == nil {
		return ""
	}
	return latest.Status
}

// p9: an important next of kin outside the services and the plan.
func (e *evaluator) p9() {
	for _, k := range e.doc.Actors {
		if k.Sector != stakeholder.SectorInformal || k.Assessment == nil || k.Assessment.Importance != stakeholder.High {
			continue
		}
		consent := e.consent(k.ID)
		if consent == stakeholder.ConsentRefused || e.inActivePlan(k.ID) {
			continue
		}
		tied := false
		for _, r := range e.active {
			if o, ok := e.other(r, k.ID); ok && e.inA[o] {
				tied = true
				break
			}
		}
		if tied {
			continue
		}
		status := string(consent)
		if status == "" {
			status = "none"
		}
		e.add("P9", []string{k.ID}, textf(
			"a next of kin or friend whom the person rates as highly important has no active relation with any of the person's services and is not a member of an active individual plan.",
			"en pårørende eller venn som personen vurderer som svært viktig, har ingen aktiv relasjon til noen av personens tjenester og er ikke med i en aktiv individuell plan.",
		), map[string]any{"consent": status})
	}
}

// p10: cold serves relations, and a cold coordinator.
func (e *evaluator) p10() {
	type cold struct {
		days, coordDays int
		relations       []string
	}
	found := map[string]*cold{}
	get := func(a string) *cold {
		if found[a] == nil {
			found[a] = &cold{days: -1, coordDays: -1}
		}
		return found[a]
	}
	for _, r := range e.active {
		o, ok := e.other(r, e.c)
		if !ok || r.Type != stakeholder.RelServes || !e.inA[o] {
			continue
		}
		if d := e.days(e.doc.LastContact(r)); d > e.cfg.ColdServesDays {
			c := get(o)
			c.days = max(c.days, d)
			c.relations = append(c.relations, r.ID)
		}
	}
	if e.coord != "" {
		latest := e.doc.Coordinator.Assigned
		for _, r := range e.doc.Relations {
			if !joins(r, e.coord, e.c) || r.ValidFrom.After(e.t) {
				continue
			}
			if lc := e.doc.LastContact(r); lc.After(latest) && !lc.After(e.t) {
				latest = lc
			}
		}
		if d := e.days(latest); d > e.cfg.ColdCoordinatorDays {
			get(e.coord).coordDays = d
		}
	}
	actors := make([]string, 0, len(found))
	for a := range found {
		actors = append(actors, a)
	}
	slices.Sort(actors)
	for _, a := range actors {
		c := found[a]
		var parts []Text
		details := map[string]any{}
		if c.days >= 0 {
			parts = append(parts, textf(
				"no contact between %s and the person has been recorded for %d days, more than %d days.",
				"det er ikke registrert kontakt mellom %s og personen på %d dager, mer enn %d dager.",
				e.actorText(a), c.days, e.cfg.ColdServesDays))
			details["days"] = c.days
			details["relations"] = c.relations
		}
		if c.coordDays >= 0 {
			parts = append(parts, textf(
				"the coordinator, from %s, has had no recorded contact with the person for %d days, more than %d days.",
				"koordinatoren, fra %s, har ikke hatt registrert kontakt med personen på %d dager, mer enn %d dager.",
				e.actorText(a), c.coordDays, e.cfg.ColdCoordinatorDays))
			details["coordinatorDays"] = c.coordDays
		}
		slices.Sort(c.relations)
		e.add("P10", []string{e.c, a}, join(parts...), details)
	}
}

// p11: low participation, none recorded after the grace period, or the
// person outside their own active plan.
func (e *evaluator) p11() {
	var latest *mapdoc.Participation
	for i := range e.doc.Participation {
		p := &e.doc.Participation[i]
		if p.Date.IsZero() || p.Date.After(e.t) {
			continue
		}
		if latest == nil || !p.Date.Before(latest.Date) {
			latest = p
		}
	}
	var parts []Text
	var reasons []string
	details := map[string]any{}
	if latest != nil {
		details["level"] = int(latest.Level)
		if int(latest.Level) < e.cfg.ParticipationMin {
			reasons = append(reasons, "low")
			parts = append(parts, textf(
				"the latest assessment of the person's participation is step %d of 5 (%s), below step %d (%s).",
				"siste vurdering av personens medvirkning er trinn %d av 5 (%s), under trinn %d (%s).",
				int(latest.Level), ladderText(int(latest.Level)), e.cfg.ParticipationMin, ladderText(e.cfg.ParticipationMin)))
		}
	} else {
		for _, r := range e.active {
			if o, ok := e.other(r, e.c); ok && r.Type == stakeholder.RelServes && e.inA[o] && e.days(r.ValidFrom) > e.cfg.ParticipationGraceDays {
				reasons = append(reasons, "none-recorded")
				parts = append(parts, textf(
					"no assessment of the person's participation is recorded, and a service began serving the person more than %d days ago.",
					"ingen vurdering av personens medvirkning er registrert, og en tjeneste begynte å gi personen tjenester for mer enn %d dager siden.",
					e.cfg.ParticipationGraceDays))
				break
			}
		}
	}
	if e.planActive && e.planForum != "" && !e.memberOf(e.c, e.planForum) {
		reasons = append(reasons, "not-in-plan")
		parts = append(parts, textf(
			"the person is not a member of their own active individual plan.",
			"personen er ikke med i sin egen aktive individuelle plan."))
	}
	if len(reasons) == 0 {
		return
	}
	details["reasons"] = reasons
	e.add("P11", []string{e.c}, join(parts...), details)
}

// isMunicipalReceiver reports whether s may receive a person discharged
// from inpatient specialist care (P12).
func isMunicipalReceiver(s stakeholder.Sector) bool {
	return s == stakeholder.SectorMunicipalMHSU || s == stakeholder.SectorMunicipalCare
}

// p12: a recent discharge from specialist inpatient care without a
// municipal service to receive the person.
func (e *evaluator) p12() {
	found := map[string]date.Date{} // specialist → latest uncovered discharge
	for _, r := range e.doc.Relations {
		o, ok := e.other(r, e.c)
		if !ok || r.Type != stakeholder.RelServes || !r.Inpatient || r.ValidTo.IsZero() || r.ValidTo.After(e.t) {
			continue
		}
		if s := e.sector(o); s != stakeholder.SectorSpecialistMH && s != stakeholder.SectorSpecialistSU {
			continue
		}
		d := r.ValidTo
		if e.days(d) > e.cfg.TransitionWindowDays {
			continue
		}
		if e.received(d) {
			continue
		}
		if prev, ok := found[o]; !ok || d.After(prev) {
			found[o] = d
		}
	}
	specialists := make([]string, 0, len(found))
	for o := range found {
		specialists = append(specialists, o)
	}
	slices.Sort(specialists)
	for _, o := range specialists {
		d := found[o]
		e.add("P12", []string{e.c, o}, textf(
			"an inpatient stay in %s ended %d days ago, and no municipal mental-health and substance-use service or home care is recorded as taking over (serving the person by %d days after discharge).",
			"et innleggelsesopphold i %s ble avsluttet for %d dager siden, og ingen kommunal psykisk helse- og rustjeneste eller hjemmetjeneste er registrert som mottaker (med tjenester senest %d dager etter utskrivning).",
			e.actorText(o), e.days(d), e.cfg.TransitionReceiverDays),
			map[string]any{"discharged": d.String(), "daysSinceDischarge": e.days(d)})
	}
}

// received reports whether a municipal mental-health and substance-use
// service or municipal care has a serves relation with C that began by
// discharge + TransitionReceiverDays and had not ended before discharge.
func (e *evaluator) received(discharge date.Date) bool {
	by := discharge.AddDays(e.cfg.TransitionReceiverDays)
	for _, q := range e.doc.Relations {
		o, ok := e.other(q, e.c)
		if !ok || q.Type != stakeholder.RelServes || !isMunicipalReceiver(e.sector(o)) {
			continue
		}
		if !q.ValidFrom.After(by) && (q.ValidTo.IsZero() || !q.ValidTo.Before(discharge)) {
			return true
		}
	}
	return false
}

// p13: a cut vertex of the professional graph that separates two services
// of A(C) of different sectors. Maps are small, so each actor is removed
// in turn and the components compared (O(n·(n+m))).
func (e *evaluator) p13() {
	if len(e.a) < 2 {
		return
	}
	g := e.professional()
	whole := g.components("")
	cuts := g.cutVertices()
	for _, w := range g.nodes {
		if !cuts[w] {
			continue // removing it disconnects nothing
		}
		without := g.components(w)
		var pairs [][]string
		var ss []stakeholder.Sector
		for i, u := range e.a {
			for _, v := range e.a[i+1:] {
				if u == w || v == w || e.sector(u) == e.sector(v) {
					continue
				}
				if whole[u] == whole[v] && without[u] != without[v] {
					pairs = append(pairs, []string{u, v})
					ss = append(ss, e.sector(u), e.sector(v))
				}
			}
		}
		if len(pairs) == 0 {
			continue
		}
		e.add("P13", []string{w}, textf(
			"in the professional network, %s is the only link between %s: if it drops out, they are no longer connected.",
			"i det profesjonelle nettverket er %s eneste forbindelse mellom %s: faller den bort, henger de ikke lenger sammen.",
			e.actorText(w), sectorsText(ss)), map[string]any{"separates": pairs})
	}
}

// p14: a strained or broken active relation among C and A(C).
func (e *evaluator) p14() {
	type strain struct {
		quality   stakeholder.Quality
		relations []string
	}
	found := map[[2]string]*strain{}
	var keys [][2]string
	for _, r := range e.active {
		if r.Quality != stakeholder.QualityStrained && r.Quality != stakeholder.QualityBroken {
			continue
		}
		u, v := r.From, r.To
		if !((e.inA[u] || u == e.c) && (e.inA[v] || v == e.c)) {
			continue
		}
		p := pair(u, v)
		k := [2]string{p[0], p[1]}
		s := found[k]
		if s == nil {
			s = &strain{quality: r.Quality}
			found[k] = s
			keys = append(keys, k)
		}
		if r.Quality == stakeholder.QualityBroken {
			s.quality = stakeholder.QualityBroken
		}
		s.relations = append(s.relations, r.ID)
	}
	for _, k := range keys {
		s := found[k]
		slices.Sort(s.relations)
		u, v := k[0], k[1]
		if v == e.c { // name the person last: "between X and the person"
			u, v = v, u
		}
		var who Text
		if u == e.c {
			who = fragf("%s and the person", "%s og personen", e.actorText(v))
		} else {
			who = e.pairText(u, v)
		}
		e.add("P14", k[:], textf(
			"the relation between %s is recorded as %s.",
			"relasjonen mellom %s er registrert som %s.",
			who, qualityText(s.quality)), map[string]any{"quality": string(s.quality), "relations": s.relations})
	}
}
