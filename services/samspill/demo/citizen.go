package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

// svc is a service that serves the person today (an actor of A(C)).
type svc struct {
	e      *entry // nil for a named professional
	a      *actor
	serves *rel
	start  date.Date
	lt     bool // began more than 90 days before today
	side   int  // island or bridge side
}

func (s *svc) role() role {
	if s.e == nil {
		return ""
	}
	return s.e.role
}

// kin is a next of kin or friend.
type kin struct {
	a          *actor
	role       kinRole
	importance stakeholder.Scale
	consent    stakeholder.Consent // "" when none is recorded
	outside    bool
}

// cmap builds one citizen map.
type cmap struct {
	g    *gen
	b    *builder
	d    *design
	m    *muni
	r    *rand.Rand
	T, o date.Date
	C    *actor
	size int // 0 small, 1 medium, 2 large

	S         []*svc
	outsider  *svc
	nonMember *svc
	coordSvc  *svc
	coord     *actor
	plan      *actor
	group     *actor
	planRels  []*rel
	kin       []*kin
	pairs     map[[2]string]*rel
	firstTies []*rel
	usedNames map[string]bool

	// inpatient episode
	dischargeSpec *entry
	dischargeDay  date.Date
	lateMH        date.Date // start of a municipal service that came too late
}

// citizenMap builds citizen map i of archetype ai in municipality m.
func (g *gen) citizenMap(i, ai int, m *muni) (string, []command.Command, []string) {
	r := g.rng("citizen", i)
	a := archetypes()[ai]
	d := &design{name: a.name, rules: slices.Clone(a.rules), minK: 2, maxK: 14}
	if d.rules == nil {
		d.rules = []string{}
	}
	a.setup(d, r)
	age := 220 + r.IntN(1040-220+1)
	if d.plan == planStale || d.plan == planClosed {
		age = 470 + r.IntN(1040-470+1)
	}
	o := g.today.AddDays(-age)
	b := g.newBuilder(fmt.Sprintf("citizen/%d", i), r, o)
	c := &cmap{g: g, b: b, d: d, m: m, r: r, T: g.today, o: o, pairs: map[[2]string]*rel{}, usedNames: map[string]bool{}}
	c.build()
	return b.mapID, b.commands(), d.rules
}

func (c *cmap) build() {
	c.openMap()
	c.planDischarge()
	c.chooseServices()
	c.pickCoordinator()
	c.emitServices()
	c.emitDischarge()
	c.emitTies()
	c.emitCoordinator()
	c.emitPlan()
	c.emitPeer()
	c.emitKin()
	c.emitProfessionals()
	c.emitParticipation()
	c.emitAssessments()
}

func (c *cmap) ago(n int) date.Date { return c.T.AddDays(-n) }

// name returns an unused first name.
func (c *cmap) name(female bool) string {
	list := maleNames()
	if female {
		list = femaleNames()
	}
	for range 50 {
		n := pick(c.r, list)
		if !c.usedNames[n] {
			c.usedNames[n] = true
			return n
		}
	}
	return pick(c.r, list)
}

func (c *cmap) openMap() {
	female := c.r.IntN(2) == 0
	display := c.name(female) + " " + pick(c.r, initials()) + "."
	id := c.b.newID("citizen")
	c.b.emit(c.o, &command.OpenMap{MapID: c.b.mapID, Focus: stakeholder.FocusCitizen, Label: display,
		Municipality: c.m.Code, CitizenID: id, CitizenName: display})
	c.C = &actor{id: id, name: display, kind: stakeholder.KindPerson, sector: stakeholder.SectorCitizen, added: c.o}
}

// planDischarge decides on an inpatient episode that ended recently
// without a municipal receiver (P12).
func (c *cmap) planDischarge() {
	switch c.d.discharge {
	case dischargeGapNone, dischargeGapEnded:
		c.dischargeDay = c.b.between(c.ago(80), c.ago(10))
	case dischargeGapLate:
		c.dischargeDay = c.b.between(c.ago(80), c.ago(30))
		c.lateMH = c.b.between(c.dischargeDay.AddDays(14), c.ago(5))
	default:
		return
	}
	c.dischargeSpec = c.m.dps
	if c.r.IntN(5) < 2 {
		c.dischargeSpec = c.g.reg.tsb
	}
}

// optional service roles with their weights.
func optionalRoles() []struct {
	ro role
	w  float64
} {
	return []struct {
		ro role
		w  float64
	}{
		{roleNAV, 0.75}, {roleDPS, 0.55}, {roleHousing, 0.35}, {roleSocial, 0.35}, {roleCare, 0.3},
		{roleTSB, 0.3}, {roleLow, 0.2}, {roleLAR, 0.15}, {roleFACT, 0.12}, {roleJustice, 0.1},
		{roleEdu, 0.1}, {roleCivil, 0.1}, {roleLegevakt, 0.05}, {roleMH, 0.5},
	}
}

func isHealth(ro role) bool {
	switch ro {
	case roleGP, roleLegevakt, roleMH, roleLow, roleCare, roleDPS, roleFACT, roleTSB, roleLAR:
		return true
	}
	return false
}

func isSpecialist(s stakeholder.Sector) bool {
	return s == stakeholder.SectorSpecialistMH || s == stakeholder.SectorSpecialistSU
}

func isMunicipalReceiver(s stakeholder.Sector) bool {
	return s == stakeholder.SectorMunicipalMHSU || s == stakeholder.SectorMunicipalCare
}

// chooseServices decides which services serve the person today, and when
// each began.
func (c *cmap) chooseServices() {
	d := c.d
	x := c.r.Float64()
	switch {
	case x < 0.07 && !d.noLarge:
		c.size = 2
	case x < 0.45:
		c.size = 1
	}
	var k int
	switch c.size {
	case 0:
		k = 2 + c.r.IntN(3)
	case 1:
		k = 5 + c.r.IntN(4)
	default:
		k = 10 + c.r.IntN(5)
	}
	k = max(d.minK, min(d.maxK, k))
	if c.size == 0 && d.tinyOK && c.r.IntN(2) == 0 {
		k = 1
	}
	if d.maxK <= 6 && c.size == 2 {
		c.size = 1
	}

	forbidden := map[role]bool{}
	var must []role
	if d.noGP {
		forbidden[roleGP], forbidden[roleLegevakt] = true, true
	} else {
		must = append(must, roleGP)
	}
	switch d.tie {
	case tieBridge:
		forbidden[roleMH], forbidden[roleLegevakt] = true, true
		must = append(must, roleNAV)
	case tieIslands:
		forbidden[roleLegevakt] = true
		must = append(must, roleNAV)
	}
	if c.dischargeSpec != nil {
		forbidden[roleMH], forbidden[roleLow], forbidden[roleCare] = true, true, true
		forbidden[c.dischargeSpec.role] = true
	}
	if !forbidden[roleMH] && (d.noGP || c.r.Float64() < 0.85) {
		must = append(must, roleMH)
	}
	if d.specialist {
		if c.r.IntN(3) == 0 {
			must = append(must, roleTSB)
		} else {
			must = append(must, roleDPS)
		}
	}
	// Weighted sampling without replacement (Efraimidis–Spirakis).
	type cand struct {
		ro  role
		key float64
	}
	var cands []cand
	for _, o := range optionalRoles() {
		if forbidden[o.ro] || slices.Contains(must, o.ro) {
			continue
		}
		cands = append(cands, cand{o.ro, math.Pow(c.r.Float64(), 1/o.w)})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].key > cands[j].key })
	roles := slices.Clone(must)
	if len(roles) > k && k == 1 {
		roles = roles[:1]
	}
	for _, cd := range cands {
		if len(roles) >= k {
			break
		}
		roles = append(roles, cd.ro)
	}
	if d.tie == tieBridge {
		// the bridging professional counts as one of the services
		roles = roles[:max(2, min(len(roles), k-1))]
	}

	for i, ro := range roles {
		e := c.g.reg.byRole(c.m, ro)
		if ro == roleGP {
			e = pick(c.r, c.m.gps)
		}
		s := &svc{e: e}
		switch {
		case i == 0:
			s.start = c.b.between(c.o, earlier(c.o.AddDays(30), c.ago(190)))
		case i == 1 || !c.chance(0.15):
			s.start = c.b.between(c.o, c.ago(100))
		default:
			s.start = c.b.between(later(c.o, c.ago(80)), c.ago(15))
		}
		c.S = append(c.S, s)
	}
	if !c.lateMH.IsZero() {
		c.S = append(c.S, &svc{e: c.m.mh, start: c.lateMH})
	}
	for _, s := range c.S {
		s.lt = c.T.DaysSince(s.start) > 90
		if d.tie == tieBridge || d.tie == tieIslands {
			if !isHealth(s.role()) {
				s.side = 1
			}
		}
	}
	if d.tie == tieIslands {
		var welfare []*svc
		for _, s := range c.S {
			if s.side == 1 {
				welfare = append(welfare, s)
			}
		}
		if len(welfare) >= 2 && c.chance(0.4) {
			welfare[len(welfare)-1].side = 2
		}
	}
	if len(c.S) == 1 {
		// A single service needs no coordinator or plan.
		d.tie, d.plan, d.coord = tieDirect, planNone, coordNone
	}
	if d.outsider {
		c.chooseOutsider()
	}
	if d.nonMemberLT {
		for _, s := range c.S[1:] {
			if s.lt && s.role() != roleMH && s.role() != roleGP {
				c.nonMember = s
				break
			}
		}
		if c.nonMember == nil {
			c.nonMember = c.S[len(c.S)-1]
			c.nonMember.start = c.b.between(c.o, c.ago(100))
			c.nonMember.lt = true
		}
	}
}

func (c *cmap) chance(p float64) bool { return c.r.Float64() < p }

// has reports whether a service of role ro serves the person.
func (c *cmap) has(ro role) bool {
	for _, s := range c.S {
		if s.role() == ro {
			return true
		}
	}
	return false
}

// chooseOutsider picks a new service that is tied to the coordinator and
// one more service only (P1).
func (c *cmap) chooseOutsider() {
	sectors := map[stakeholder.Sector]bool{}
	for _, s := range c.S {
		sectors[s.e.sector] = true
	}
	for _, ro := range []role{roleHousing, roleSocial, roleCare, roleJustice, roleEdu, roleCivil, roleNAV, roleLow} {
		e := c.g.reg.byRole(c.m, ro)
		if c.has(ro) || sectors[e.sector] {
			continue
		}
		c.outsider = &svc{e: e, start: c.b.between(later(c.o, c.ago(80)), c.ago(20))}
		return
	}
	// Every sector serves already (a large map): one of the welfare
	// services becomes the newcomer instead.
	for i := len(c.S) - 1; i > 0; i-- {
		switch c.S[i].role() {
		case roleHousing, roleSocial, roleCare, roleJustice, roleEdu, roleCivil:
			c.outsider = &svc{e: c.S[i].e, start: c.b.between(later(c.o, c.ago(80)), c.ago(20))}
			c.S = slices.Delete(c.S, i, i+1)
			return
		}
	}
	panic("demo: no role left for an outside service")
}

// pickCoordinator chooses the service that coordinates.
func (c *cmap) pickCoordinator() {
	if c.d.coord != coordService {
		return
	}
	for _, ro := range []role{roleMH, roleFACT, roleCare, roleLow, roleNAV, roleSocial, roleHousing, roleGP, roleDPS, roleTSB, roleLAR, roleJustice, roleEdu, roleCivil, roleLegevakt} {
		for _, s := range c.S {
			if s.role() == ro && s.lt && s != c.nonMember {
				c.coordSvc = s
				return
			}
		}
	}
	for _, s := range c.S {
		if s.lt {
			c.coordSvc = s
			return
		}
	}
	panic("demo: no long-term service to coordinate")
}

// lastContact returns the date of the last contact on a serves relation.
func (c *cmap) lastContact(s *svc, cold bool) date.Date {
	switch {
	case cold:
		return c.b.between(later(s.start, c.ago(200)), c.ago(65))
	case s == c.coordSvc && c.d.coldCoord:
		return c.b.between(c.ago(58), c.ago(32))
	case s == c.coordSvc:
		return c.b.between(later(s.start, c.ago(25)), c.ago(1))
	}
	return c.b.between(later(s.start, c.ago(50)), c.ago(1))
}

func (c *cmap) emitServices() {
	var cold *svc
	if c.d.coldServes {
		for _, s := range c.S {
			if s.lt && s != c.coordSvc {
				cold = s
				break
			}
		}
		if cold == nil {
			panic("demo: no service to let go cold")
		}
	}
	var strained *svc
	if c.d.strain == strainServes || c.d.strain == strainUpdated {
		strained = pick(c.r, c.S)
	}
	all := slices.Clone(c.S)
	if c.outsider != nil {
		all = append(all, c.outsider)
	}
	for _, s := range all {
		s.a = c.b.entryActor(s.start, s.e, stakeholder.LevelService)
		o := relOpts{quality: stakeholder.QualityGood}
		if c.chance(0.3) {
			o.quality = stakeholder.QualityUnknown
		}
		if s == strained && c.d.strain == strainServes {
			o.quality = []stakeholder.Quality{stakeholder.QualityStrained, stakeholder.QualityBroken}[c.r.IntN(2)]
		}
		s.serves = c.b.relate(s.start, s.a, c.C, stakeholder.RelServes, o)
		c.b.contacts(s.serves, c.lastContact(s, s == cold), 1+c.r.IntN(4), contactNotes())
	}
	if strained != nil && c.d.strain == strainUpdated {
		when := c.b.between(later(strained.start, c.ago(120)), c.ago(5))
		c.b.emit(when, &command.UpdateRelation{MapID: c.b.mapID, RelationID: strained.serves.id, Quality: stakeholder.QualityStrained})
	}
}

// emitDischarge writes inpatient episodes.
func (c *cmap) emitDischarge() {
	if c.dischargeSpec != nil {
		D := c.dischargeDay
		admitted := c.b.between(later(c.o, D.AddDays(-45)), D.AddDays(-7))
		spec := c.b.entryActor(admitted, c.dischargeSpec, stakeholder.LevelService)
		stay := c.b.relate(admitted, spec, c.C, stakeholder.RelServes, relOpts{inpatient: true, quality: stakeholder.QualityGood})
		c.b.contacts(stay, D.AddDays(-1), 2, nil)
		c.b.endRel(stay, D)
		c.epicrisis(spec, D)
		if c.d.discharge == dischargeGapEnded {
			care := c.g.reg.byRole(c.m, roleCare)
			from := c.b.between(c.o, D.AddDays(-60))
			hn := c.b.entryActor(from, care, stakeholder.LevelService)
			rl := c.b.relate(from, hn, c.C, stakeholder.RelServes, relOpts{quality: stakeholder.QualityGood})
			end := c.b.between(from.AddDays(10), D.AddDays(-5))
			c.b.contacts(rl, end, 2, nil)
			c.b.endRel(rl, end)
		}
		return
	}
	// Inpatient history that is no gap: an old stay, or a recent one with
	// a municipal service in place.
	free := func() *entry {
		for _, e := range []*entry{c.m.dps, c.g.reg.tsb} {
			if !c.has(e.role) {
				return e
			}
		}
		return nil
	}
	var receiver *svc
	for _, s := range c.S {
		if s.lt && isMunicipalReceiver(s.a.sector) {
			receiver = s
			break
		}
	}
	switch x := c.r.Float64(); {
	case x < 0.12 && free() != nil && c.o.AddDays(60).Before(c.ago(130)):
		D := c.b.between(c.o.AddDays(60), c.ago(130))
		admitted := c.b.between(D.AddDays(-40), D.AddDays(-7))
		spec := c.b.entryActor(admitted, free(), stakeholder.LevelService)
		stay := c.b.relate(admitted, spec, c.C, stakeholder.RelServes, relOpts{inpatient: true, quality: stakeholder.QualityGood})
		c.b.endRel(stay, D)
		c.epicrisis(spec, D)
	case x < 0.27 && free() != nil && receiver != nil && c.d.tie != tieBridge && c.d.tie != tieIslands:
		D := c.b.between(c.ago(80), c.ago(15))
		admitted := c.b.between(later(c.o, D.AddDays(-40)), D.AddDays(-7))
		spec := c.b.entryActor(admitted, free(), stakeholder.LevelService)
		stay := c.b.relate(admitted, spec, c.C, stakeholder.RelServes, relOpts{inpatient: true, quality: stakeholder.QualityGood})
		c.b.contacts(stay, D, 2, nil)
		c.b.endRel(stay, D)
		rl := c.b.relate(later(D, receiver.a.added), spec, receiver.a, stakeholder.RelInforms, relOpts{quality: stakeholder.QualityGood})
		c.b.contact(rl, rl.start, "letter", "Epikrise sendt")
	}
}

// epicrisis sends the discharge letter to one service that serves the
// person: a leaf tie in the professional graph.
func (c *cmap) epicrisis(spec *actor, D date.Date) {
	var to *svc
	for _, s := range c.S {
		if s.role() == roleGP && !s.a.added.After(D) {
			to = s
			break
		}
	}
	if to == nil {
		for _, s := range c.S {
			if !s.a.added.After(D) {
				to = s
				break
			}
		}
	}
	if to == nil {
		return
	}
	rl := c.b.relate(D, spec, to.a, stakeholder.RelInforms, relOpts{quality: stakeholder.QualityGood})
	c.b.contact(rl, D, "letter", "Epikrise sendt")
}

// tieType chooses the type and direction of a relation between two
// services.
func (c *cmap) tieType(x, y *actor) (from, to *actor, typ stakeholder.RelationType) {
	spec := func(a *actor) bool { return isSpecialist(a.sector) }
	gp := func(a *actor) bool { return a.sector == stakeholder.SectorPrimaryHealth }
	switch {
	case gp(x) && spec(y):
		return x, y, stakeholder.RelRefers
	case gp(y) && spec(x):
		return y, x, stakeholder.RelRefers
	case spec(x) && !spec(y) && c.chance(0.5):
		return x, y, stakeholder.RelInforms
	case spec(y) && !spec(x) && c.chance(0.5):
		return y, x, stakeholder.RelInforms
	case c.chance(0.15):
		return x, y, stakeholder.RelInforms
	}
	return x, y, stakeholder.RelCollaborates
}

func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// tie adds a working relation between two actors, with a recent contact;
// nothing if they are already related.
func (c *cmap) tie(x, y *actor, q stakeholder.Quality) *rel {
	k := pairKey(x.id, y.id)
	if c.pairs[k] != nil {
		return nil
	}
	after := later(x.added, y.added)
	start := c.b.between(after, earlier(after.AddDays(120), c.ago(5)))
	from, to, typ := c.tieType(x, y)
	o := relOpts{quality: q}
	if q == "" {
		o.quality = stakeholder.QualityGood
		if c.chance(0.25) {
			o.quality = stakeholder.QualityUnknown
		}
	}
	if c.chance(0.3) {
		o.trust, o.value = 2+c.r.IntN(3), 2+c.r.IntN(3)
	}
	rl := c.b.relate(start, from, to, typ, o)
	c.b.contacts(rl, c.b.between(later(start, c.ago(85)), c.ago(2)), 1+c.r.IntN(3), contactNotes())
	c.pairs[k] = rl
	return rl
}

// ring ties the actors in a cycle (one tie for two), so that no single
// actor holds the network together.
func (c *cmap) ring(list []*svc) {
	if len(list) < 2 {
		return
	}
	order := slices.Clone(list)
	c.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	n := len(order)
	if n == 2 {
		n = 1
	}
	for i := range n {
		c.noteTie(c.tie(order[i].a, order[(i+1)%len(order)].a, ""))
	}
}

func (c *cmap) noteTie(r *rel) {
	if r != nil {
		c.firstTies = append(c.firstTies, r)
	}
}

// complete ties every pair of the list.
func (c *cmap) complete(list []*svc) {
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			c.noteTie(c.tie(list[i].a, list[j].a, ""))
		}
	}
}

func (c *cmap) emitTies() {
	d := c.d
	switch d.tie {
	case tiePlan, tieGroup:
		var inner []*svc
		for _, s := range c.S {
			if s != c.nonMember {
				inner = append(inner, s)
			}
		}
		c.ring(inner)
		if c.nonMember != nil {
			for _, s := range inner {
				c.tie(c.nonMember.a, s.a, "")
			}
		}
	case tieDirect:
		c.complete(c.S)
	case tieIslands:
		for side := range 3 {
			var island []*svc
			for _, s := range c.S {
				if s.side == side {
					island = append(island, s)
				}
			}
			c.complete(island)
		}
	case tieBridge:
		for side := range 2 {
			var island []*svc
			for _, s := range c.S {
				if s.side == side {
					island = append(island, s)
				}
			}
			c.complete(island)
		}
		c.emitBridge()
	}
	if c.coordSvc != nil && (d.tie == tiePlan || d.tie == tieGroup) && (d.healthy || c.chance(0.5)) {
		// The coordinator keeps in touch with every service directly.
		for _, s := range c.S {
			if s != c.coordSvc {
				c.tie(c.coordSvc.a, s.a, "")
			}
		}
	}
	if c.outsider != nil {
		partner := c.S[0]
		if partner == c.coordSvc {
			partner = c.S[1]
		}
		for _, s := range c.S {
			if s.role() == roleGP && s != c.coordSvc {
				partner = s
			}
		}
		c.tie(c.outsider.a, c.coordSvc.a, "")
		c.tie(c.outsider.a, partner.a, "")
	}
	if d.strain == strainTie {
		if len(c.firstTies) == 0 {
			panic("demo: no tie to strain")
		}
		rl := c.firstTies[0]
		q := []stakeholder.Quality{stakeholder.QualityStrained, stakeholder.QualityBroken}[c.r.IntN(2)]
		c.b.emit(c.b.between(rl.start, c.ago(3)), &command.UpdateRelation{MapID: c.b.mapID, RelationID: rl.id, Quality: q})
	}
}

// emitBridge adds the one professional who links the health services with
// the welfare services, and makes her the coordinator.
func (c *cmap) emitBridge() {
	start := c.b.between(c.o, c.ago(100))
	name := c.name(true) + " (" + pick(c.r, titles(roleMH)) + ")"
	l := c.b.addActor(start, stakeholder.KindPerson, stakeholder.LevelIndividual, stakeholder.SectorMunicipalMHSU, name, nil)
	org := c.b.entryActor(start, c.m.mh, stakeholder.LevelService)
	c.b.relate(start, l, org, stakeholder.RelMemberOf, relOpts{})
	s := &svc{a: l, start: start, lt: true}
	s.serves = c.b.relate(start, l, c.C, stakeholder.RelServes, relOpts{quality: stakeholder.QualityGood})
	c.b.contacts(s.serves, c.b.between(c.ago(25), c.ago(1)), 2+c.r.IntN(3), contactNotes())
	for _, o := range c.S {
		c.tie(l, o.a, "")
	}
	c.S = append(c.S, s)
	c.coordSvc = s
	offer := c.b.between(start, c.ago(45))
	c.b.emit(offer, &command.OfferCoordinator{MapID: c.b.mapID, ActorID: l.id})
	c.b.emit(c.b.between(offer, offer.AddDays(14)), &command.AssignCoordinator{MapID: c.b.mapID, ActorID: l.id})
	c.coord = l
}

func (c *cmap) emitCoordinator() {
	b := c.b
	switch c.d.coord {
	case coordService:
		if c.d.tie == tieBridge {
			return // emitBridge did it
		}
		s := c.coordSvc
		latest := c.ago(45)
		if c.d.coldCoord {
			latest = c.ago(75)
		}
		offer := b.between(s.start, latest)
		o := &command.OfferCoordinator{MapID: b.mapID}
		if c.chance(0.6) {
			o.ActorID = s.a.id
		}
		b.emit(offer, o)
		b.emit(b.between(offer, offer.AddDays(14)), &command.AssignCoordinator{MapID: b.mapID, ActorID: s.a.id})
		c.coord = s.a
	case coordOffered, coordDeclined:
		offer := b.between(later(c.o, c.ago(400)), c.ago(30))
		o := &command.OfferCoordinator{MapID: b.mapID}
		if c.chance(0.5) {
			s := pick(c.r, c.S)
			if !s.a.added.After(offer) {
				o.ActorID = s.a.id
			}
		}
		b.emit(offer, o)
		if c.d.coord == coordDeclined {
			b.emit(b.between(offer, offer.AddDays(20)), &command.DeclineCoordinator{MapID: b.mapID})
		}
	case coordExternal:
		added := b.between(later(c.o, c.ago(90)), c.ago(40))
		ke := b.entryActor(added, c.m.ke, stakeholder.LevelService)
		k := b.addActor(added, stakeholder.KindPerson, stakeholder.LevelIndividual, stakeholder.SectorGovernance,
			c.name(c.chance(0.6))+" (koordinator)", nil)
		b.relate(added, k, ke, stakeholder.RelMemberOf, relOpts{})
		offer := b.between(c.ago(35), c.ago(26))
		b.emit(offer, &command.OfferCoordinator{MapID: b.mapID, ActorID: k.id})
		b.emit(b.between(c.ago(25), c.ago(5)), &command.AssignCoordinator{MapID: b.mapID, ActorID: k.id})
		c.coord = k
		// Tied to some services, not all.
		order := slices.Clone(c.S)
		c.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		n := 1 + c.r.IntN(len(order)-1)
		for _, s := range order[:n] {
			c.tie(k, s.a, "")
		}
	}
}

// members returns the services that join the plan or the group.
func (c *cmap) members() []*svc {
	var out []*svc
	for _, s := range c.S {
		if s != c.nonMember {
			out = append(out, s)
		}
	}
	return out
}

func (c *cmap) emitPlan() {
	b := c.b
	d := c.d
	second := c.S[0].start
	if len(c.S) > 1 {
		second = later(second, c.S[1].start)
	}
	switch d.plan {
	case planActive, planStale, planClosed:
		var created, closed date.Date
		switch d.plan {
		case planActive:
			created = b.between(later(c.o, second), c.ago(45))
		case planStale:
			created = b.between(c.o, c.ago(450))
		case planClosed:
			created = b.between(c.o, c.ago(420))
			closed = b.between(later(created.AddDays(120), c.ago(350)), c.ago(60))
		}
		c.plan = b.addActor(created, stakeholder.KindForum, stakeholder.LevelIndividual, stakeholder.SectorGovernance, "Individuell plan", nil)
		b.emit(created, &command.CreatePlan{MapID: b.mapID, ActorID: c.plan.id})
		end := c.ago(1)
		if !closed.IsZero() {
			end = closed
		}
		join := func(a *actor, from date.Date) *rel {
			from = later(from, later(created, a.added))
			if from.After(end) {
				return nil
			}
			if from.After(created) {
				from = earlier(b.between(from, from.AddDays(10)), end)
			}
			rl := &rel{id: b.newID("relation"), from: a, to: c.plan, typ: stakeholder.RelMemberOf, start: from, last: from}
			b.emit(from, &command.AddPlanMember{MapID: b.mapID, ActorID: a.id, RelationID: rl.id})
			c.planRels = append(c.planRels, rl)
			return rl
		}
		if d.part != partNotMember {
			join(c.C, created)
		}
		for _, s := range c.members() {
			join(s.a, s.start)
		}
		// Reviews.
		var last date.Date
		switch d.plan {
		case planActive:
			if created.Before(c.ago(330)) {
				if mid := created.AddDays(180); mid.Before(c.ago(400)) {
					b.emit(b.between(mid, c.ago(400)), &command.ReviewPlan{MapID: b.mapID})
				}
				last = b.between(later(created, c.ago(330)), c.ago(3))
			} else if c.chance(0.5) {
				last = b.between(created.AddDays(20), c.ago(3))
			}
		case planStale:
			if lo := created.AddDays(60); lo.Before(c.ago(380)) && c.chance(0.6) {
				last = b.between(lo, c.ago(380))
			}
		case planClosed:
			if lo := created.AddDays(60); lo.Before(closed) && c.chance(0.5) {
				last = b.between(lo, closed)
			}
		}
		if !last.IsZero() {
			b.emit(last, &command.ReviewPlan{MapID: b.mapID})
			for _, rl := range c.planRels {
				if !rl.start.After(last) && c.chance(0.6) {
					b.contact(rl, last, "meeting", "Planmøte")
				}
			}
		}
		if !closed.IsZero() {
			b.emit(closed, &command.ClosePlan{MapID: b.mapID})
			for _, rl := range c.planRels {
				rl.end = closed
			}
		}
	case planDeclined:
		b.emit(b.between(later(c.o, second), c.ago(10)), &command.DeclinePlan{MapID: b.mapID})
	}
	if d.tie == tieGroup {
		c.emitGroup()
	}
}

// emitGroup adds a responsibility group (ansvarsgruppe) with every
// service and the person.
func (c *cmap) emitGroup() {
	b := c.b
	second := c.S[0].start
	if len(c.S) > 1 {
		second = later(second, c.S[1].start)
	}
	from := b.between(later(c.o, second), c.ago(60))
	c.group = b.addActor(from, stakeholder.KindForum, stakeholder.LevelIndividual, stakeholder.SectorGovernance, "Ansvarsgruppe", nil)
	meeting := b.between(c.ago(80), c.ago(3))
	add := func(a *actor) {
		start := later(from, a.added)
		if start.After(from) {
			start = earlier(b.between(start, start.AddDays(10)), c.ago(1))
		}
		rl := b.relate(start, a, c.group, stakeholder.RelMemberOf, relOpts{formalised: true})
		if !meeting.Before(start) {
			b.contact(rl, meeting, "meeting", "Ansvarsgruppemøte")
		}
	}
	add(c.C)
	for _, s := range c.members() {
		add(s.a)
	}
}

// planActive reports whether the map has an active plan today.
func (c *cmap) planActive() bool {
	return c.plan != nil && (c.d.plan == planActive || c.d.plan == planStale)
}

func (c *cmap) emitPeer() {
	b := c.b
	specialist := false
	for _, s := range c.S {
		if isSpecialist(s.a.sector) {
			specialist = true
		}
	}
	switch c.d.peer {
	case peerNone:
		if c.chance(0.3) {
			// The user organisation is known to the services but not to the person.
			uo := b.entryActor(b.between(c.o, c.ago(30)), pick(c.r, c.m.userOrgs), stakeholder.LevelService)
			s := pick(c.r, c.S)
			b.relate(later(uo.added, s.a.added), uo, s.a, stakeholder.RelInforms, relOpts{})
		}
		return
	case peerAuto:
		if !specialist && (len(c.S) == 1 || !c.chance(0.25)) {
			return
		}
	}
	start := b.between(c.o, c.ago(60))
	var rl *rel
	if c.chance(0.6) {
		p := b.addActor(start, stakeholder.KindPerson, stakeholder.LevelIndividual, stakeholder.SectorPeer,
			c.name(c.chance(0.5))+" (erfaringskonsulent)", nil)
		rl = b.relate(start, p, c.C, stakeholder.RelPeerSupport, relOpts{quality: stakeholder.QualityGood})
		if c.chance(0.5) {
			uo := b.entryActor(start, pick(c.r, c.m.userOrgs), stakeholder.LevelService)
			b.relate(start, p, uo, stakeholder.RelMemberOf, relOpts{})
		}
	} else {
		uo := b.entryActor(start, pick(c.r, c.m.userOrgs), stakeholder.LevelService)
		rl = b.relate(start, uo, c.C, stakeholder.RelPeerSupport, relOpts{quality: stakeholder.QualityGood})
	}
	if c.d.peer == peerEnded {
		end := b.between(later(start.AddDays(10), c.ago(250)), c.ago(30))
		b.contacts(rl, end.AddDays(-3), 2, nil)
		b.endRel(rl, end)
		return
	}
	b.contacts(rl, b.between(c.ago(60), c.ago(2)), 1+c.r.IntN(3), []string{"Samtalegruppe", "Likepersonsamtale"})
}

func (c *cmap) emitKin() {
	b := c.b
	var n int
	switch c.size {
	case 0:
		n = 1 + c.r.IntN(2)
		if len(c.S) == 1 {
			n = 1
		}
	case 1:
		n = 2 + c.r.IntN(3)
	default:
		n = 5 + c.r.IntN(4)
	}
	roles := kinRoles()
	c.r.Shuffle(len(roles), func(i, j int) { roles[i], roles[j] = roles[j], roles[i] })
	if c.d.kinOutside {
		// Put a close relative first: the one outside.
		for i, kr := range roles {
			if kr.close {
				roles[0], roles[i] = roles[i], roles[0]
				break
			}
		}
	}
	var plansFrom date.Date
	if c.planActive() {
		plansFrom = c.plan.added
	}
	for i := range min(n, len(roles)) {
		kr := roles[i]
		added := b.between(c.o, earlier(c.o.AddDays(60), c.ago(20)))
		a := b.addActor(added, stakeholder.KindPerson, stakeholder.LevelIndividual, stakeholder.SectorInformal,
			c.name(kr.female)+" ("+kr.label+")", nil)
		k := &kin{a: a, role: kr, outside: c.d.kinOutside && i == 0}
		typ := stakeholder.RelFamily
		if !kr.family {
			typ = stakeholder.RelPeerSupport
		}
		q := stakeholder.QualityGood
		if c.chance(0.12) {
			q = stakeholder.QualityStrained
		}
		c.b.relate(added, a, c.C, typ, relOpts{quality: q})
		switch {
		case k.outside || (kr.close && c.chance(0.6)):
			k.importance = stakeholder.High
		case c.chance(0.5):
			k.importance = stakeholder.Medium
		default:
			k.importance = stakeholder.Low
		}
		switch x := c.r.Float64(); {
		case x < 0.55:
			k.consent = stakeholder.ConsentGiven
		case x < 0.7:
			k.consent = stakeholder.ConsentUnknown
		case x < 0.8 && !k.outside:
			k.consent = stakeholder.ConsentRefused
		}
		if k.consent != "" {
			b.emit(b.between(added, c.ago(1)), &command.RecordConsent{MapID: b.mapID, ActorID: a.id, Status: k.consent})
		}
		wm := pick(c.r, kinMatters())
		if k.outside {
			wm = "Vil bli tatt med på råd"
		}
		c.b.assess(b.between(added, c.ago(1)), a, command.AssessActor{Importance: k.importance,
			Influence: []stakeholder.Scale{stakeholder.Medium, stakeholder.Low}[c.r.IntN(2)],
			Attitude:  stakeholder.AttitudeSupportive, Role: kr.label, WhatMatters: wm})
		c.kin = append(c.kin, k)
		if k.outside {
			continue
		}
		mustTie := k.importance == stakeholder.High && k.consent != stakeholder.ConsentRefused
		if !mustTie && !c.chance(0.35) {
			continue
		}
		if c.planActive() && c.chance(0.5) {
			from := later(plansFrom, added)
			from = b.between(from, earlier(from.AddDays(30), c.ago(1)))
			rl := &rel{id: b.newID("relation"), from: a, to: c.plan, typ: stakeholder.RelMemberOf, start: from, last: from}
			b.emit(from, &command.AddPlanMember{MapID: b.mapID, ActorID: a.id, RelationID: rl.id})
			continue
		}
		s := pick(c.r, c.S)
		start := later(added, s.a.added)
		start = b.between(start, earlier(start.AddDays(60), c.ago(2)))
		rl := b.relate(start, a, s.a, stakeholder.RelInforms, relOpts{quality: stakeholder.QualityGood})
		if c.chance(0.6) {
			b.contact(rl, b.between(start, c.ago(1)), b.modeFor("Pårørendesamtale"), "Pårørendesamtale")
		}
	}
}

// emitProfessionals adds named professionals, each a member of the
// service they work in.
func (c *cmap) emitProfessionals() {
	count := len(c.b.actors) + 1
	var n int
	switch c.size {
	case 0:
		if len(c.S) > 1 && c.chance(0.25) {
			n = 1
		}
	case 1:
		n = min(8, max(0, 11+c.r.IntN(15)-count))
	default:
		n = max(4, 30+c.r.IntN(11)-count)
	}
	var hosts []*svc
	for _, s := range c.S {
		if s.e != nil {
			hosts = append(hosts, s)
		}
	}
	if len(hosts) == 0 {
		return
	}
	for range n {
		s := pick(c.r, hosts)
		when := c.b.between(s.a.added, earlier(s.a.added.AddDays(200), c.ago(10)))
		p := c.b.addActor(when, stakeholder.KindPerson, stakeholder.LevelIndividual, s.a.sector,
			c.name(c.chance(0.6))+" ("+pick(c.r, titles(s.role()))+")", nil)
		c.b.relate(when, p, s.a, stakeholder.RelMemberOf, relOpts{})
		if c.chance(0.5) {
			c.b.assess(c.b.between(when, c.ago(1)), p, command.AssessActor{Importance: stakeholder.Medium,
				Influence: stakeholder.Medium, Role: serviceRole(s.role())})
		}
	}
}

func (c *cmap) emitParticipation() {
	b := c.b
	d := c.d
	if d.part == partNone {
		return
	}
	by := ""
	if c.coord != nil {
		by = c.coord.id
	} else if c.chance(0.7) {
		by = pick(c.r, c.S).a.id
	}
	latest := b.between(later(c.o.AddDays(31), c.ago(300)), c.ago(3))
	level := 3 + c.r.IntN(3)
	if d.healthy {
		level = 4 + c.r.IntN(2)
	}
	if d.part == partLow {
		level = 1 + c.r.IntN(2)
	}
	if latest.AddDays(-30).After(c.o) && c.chance(0.4) {
		earlierLevel := 1 + c.r.IntN(3)
		if d.part == partLow {
			earlierLevel = 3
		}
		b.emit(b.between(c.o, latest.AddDays(-30)), &command.RecordParticipation{MapID: b.mapID, Level: earlierLevel})
	}
	note := ""
	if level >= 4 {
		note = "Ledet deler av møtet selv"
	}
	// the assessor must be on the map on the day
	if by != "" {
		for _, a := range append([]*actor{c.C}, c.b.actors...) {
			if a.id == by && a.added.After(latest) {
				by = ""
			}
		}
	}
	b.emit(latest, &command.RecordParticipation{MapID: b.mapID, Level: level, AssessedBy: by, Note: note})
}

func (c *cmap) emitAssessments() {
	b := c.b
	yes, no := ptr(true), ptr(false)
	b.assess(b.between(c.o, c.ago(1)), c.C, command.AssessActor{WhatMatters: pick(c.r, whatMatters())})
	all := slices.Clone(c.S)
	if c.outsider != nil {
		all = append(all, c.outsider)
	}
	for _, s := range all {
		if c.chance(0.2) {
			continue
		}
		a := command.AssessActor{
			Importance: []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low}[c.r.IntN(3)],
			Influence:  []stakeholder.Scale{stakeholder.High, stakeholder.Medium, stakeholder.Low}[c.r.IntN(3)],
			Linkage:    []stakeholder.Linkage{stakeholder.LinkageFunctional, stakeholder.LinkageFunctional, stakeholder.LinkageEnabling, stakeholder.LinkageNormative, stakeholder.LinkageDiffused}[c.r.IntN(5)],
			Attitude:   []stakeholder.Attitude{stakeholder.AttitudeSupportive, stakeholder.AttitudeSupportive, stakeholder.AttitudeSupportive, stakeholder.AttitudeNeutral, stakeholder.AttitudeOpposed}[c.r.IntN(5)],
			Role:       serviceRole(s.role()),
		}
		if c.chance(0.5) {
			pr, cr, inv := c.chance(0.8), c.chance(0.4), c.chance(0.7)
			a.ProblemRecognition, a.ConstraintRecognition, a.Involvement = no, no, no
			if pr {
				a.ProblemRecognition = yes
			}
			if cr {
				a.ConstraintRecognition = yes
			}
			if inv {
				a.Involvement = yes
			}
		}
		b.assess(b.between(s.a.added, c.ago(1)), s.a, a)
	}
}
