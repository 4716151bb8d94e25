package demo

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
	"github.com/samspill/samspill/services/command/command"
)

// This file is a small, independent reading of the P-rules of
// /work/shared/domain.md ("Coordination gaps"), used to check that every
// citizen map shows exactly the gaps it was built to show. It replays the
// commands of a map into a model and evaluates the rules at today.

type oActor struct {
	sector     stakeholder.Sector
	kind       stakeholder.Kind
	removed    bool
	importance stakeholder.Scale
	consent    stakeholder.Consent
}

type oRel struct {
	from, to  string
	typ       stakeholder.RelationType
	quality   stakeholder.Quality
	inpatient bool
	start     date.Date
	end       date.Date // zero: not ended
	contacts  []date.Date
}

type oPart struct {
	when  date.Date
	level int
}

type oMap struct {
	id          string
	focus       stakeholder.FocusKind
	citizen     string
	actors      map[string]*oActor
	rels        map[string]*oRel
	relOrder    []string
	coordinator string
	coordRel    string
	offered     bool
	plan        string
	planStatus  stakeholder.PlanStatus
	planCreated date.Date
	lastReview  date.Date
	planMembers map[string]string
	parts       []oPart
}

// replay builds the models of every map in cmds.
func replay(cmds []command.Command) (map[string]*oMap, []string) {
	maps := map[string]*oMap{}
	var order []string
	for i, c := range cmds {
		valid := metaOf(c).ValidTime
		var m *oMap
		if id := mapIDOf(c); id != "" {
			m = maps[id]
		}
		switch c := c.(type) {
		case *command.OpenMap:
			m = &oMap{id: c.MapID, focus: c.Focus, actors: map[string]*oActor{}, rels: map[string]*oRel{}, planMembers: map[string]string{}}
			maps[c.MapID] = m
			order = append(order, c.MapID)
			if c.Focus == stakeholder.FocusCitizen {
				m.citizen = c.CitizenID
				m.actors[c.CitizenID] = &oActor{sector: stakeholder.SectorCitizen, kind: stakeholder.KindPerson}
			}
		case *command.AddActor:
			m.actors[c.ActorID] = &oActor{sector: c.Sector, kind: c.Kind}
		case *command.RemoveActor:
			m.actors[c.ActorID].removed = true
			for _, r := range m.rels {
				if (r.from == c.ActorID || r.to == c.ActorID) && r.end.IsZero() {
					r.end = valid
				}
			}
		case *command.AssessActor:
			if c.Importance != "" {
				m.actors[c.ActorID].importance = c.Importance
			}
		case *command.RecordConsent:
			m.actors[c.ActorID].consent = c.Status
		case *command.AddRelation:
			q := c.Quality
			if q == "" {
				q = stakeholder.QualityUnknown
			}
			m.addRel(c.RelationID, &oRel{from: c.From, to: c.To, typ: c.Type, quality: q, inpatient: c.Inpatient, start: valid})
		case *command.UpdateRelation:
			if c.Quality != "" {
				m.rels[c.RelationID].quality = c.Quality
			}
			if c.Inpatient != nil {
				m.rels[c.RelationID].inpatient = *c.Inpatient
			}
		case *command.EndRelation:
			m.rels[c.RelationID].end = valid
		case *command.RecordContact:
			r := m.rels[c.RelationID]
			r.contacts = append(r.contacts, valid)
		case *command.OfferCoordinator:
			m.offered = true
		case *command.AssignCoordinator:
			id := fmt.Sprintf("coordinator/%d", i)
			m.addRel(id, &oRel{from: c.ActorID, to: m.citizen, typ: stakeholder.RelCoordinates, quality: stakeholder.QualityUnknown, start: valid})
			m.coordinator, m.coordRel = c.ActorID, id
		case *command.EndCoordinator:
			m.rels[m.coordRel].end = valid
			m.coordinator, m.coordRel = "", ""
		case *command.CreatePlan:
			m.plan, m.planStatus, m.planCreated, m.lastReview = c.ActorID, stakeholder.PlanActive, valid, date.Date{}
		case *command.AddPlanMember:
			m.addRel(c.RelationID, &oRel{from: c.ActorID, to: m.plan, typ: stakeholder.RelMemberOf, quality: stakeholder.QualityUnknown, start: valid})
			m.planMembers[c.ActorID] = c.RelationID
		case *command.RemovePlanMember:
			m.rels[m.planMembers[c.ActorID]].end = valid
			delete(m.planMembers, c.ActorID)
		case *command.ReviewPlan:
			m.lastReview = valid
		case *command.DeclinePlan:
			if m.planStatus != stakeholder.PlanActive {
				m.planStatus = stakeholder.PlanDeclined
			}
		case *command.ClosePlan:
			for a, id := range m.planMembers {
				m.rels[id].end = valid
				delete(m.planMembers, a)
			}
			m.planStatus = stakeholder.PlanClosed
		case *command.RecordParticipation:
			m.parts = append(m.parts, oPart{valid, c.Level})
		}
	}
	return maps, order
}

func (m *oMap) addRel(id string, r *oRel) {
	m.rels[id] = r
	m.relOrder = append(m.relOrder, id)
}

func mapIDOf(c command.Command) string {
	switch c := c.(type) {
	case *command.RegisterEntry, *command.UpdateEntry, *command.RetireEntry:
		return ""
	case *command.OpenMap:
		return c.MapID
	}
	f := reflect.ValueOf(c).Elem().FieldByName("MapID")
	if !f.IsValid() {
		return ""
	}
	return f.String()
}

// active reports whether r is active on day t.
func (r *oRel) active(t date.Date) bool {
	return !r.start.After(t) && (r.end.IsZero() || r.end.After(t))
}

// last is the latest contact, or the start.
func (r *oRel) last() date.Date {
	l := r.start
	for _, c := range r.contacts {
		if c.After(l) {
			l = c
		}
	}
	return l
}

func (r *oRel) joins(a, b string) bool {
	return (r.from == a && r.to == b) || (r.from == b && r.to == a)
}

// gaps evaluates the P-rules of a citizen map on day t.
func (m *oMap) gaps(t date.Date) []string {
	C := m.citizen
	rels := make([]*oRel, 0, len(m.relOrder))
	for _, id := range m.relOrder {
		rels = append(rels, m.rels[id])
	}
	var active []*oRel
	for _, r := range rels {
		if r.active(t) {
			active = append(active, r)
		}
	}
	// A(C), LT(C)
	inA := map[string]bool{}
	lt := map[string]bool{}
	var A []string
	for _, r := range active {
		if r.typ != stakeholder.RelServes || (r.from != C && r.to != C) {
			continue
		}
		other := r.from
		if other == C {
			other = r.to
		}
		a := m.actors[other]
		if a.removed || !a.sector.IsService() {
			continue
		}
		if !inA[other] {
			inA[other] = true
			A = append(A, other)
		}
		if t.DaysSince(r.start) > 90 {
			lt[other] = true
		}
	}
	slices.Sort(A)
	planActive := m.planStatus == stakeholder.PlanActive
	memberOf := func(a string) []string {
		var fs []string
		for _, r := range active {
			if r.typ == stakeholder.RelMemberOf && r.from == a && m.actors[r.to].kind == stakeholder.KindForum {
				if r.to == m.plan && !planActive {
					continue
				}
				fs = append(fs, r.to)
			}
		}
		return fs
	}
	working := func(u, v string) bool {
		for _, r := range active {
			if r.joins(u, v) && r.typ.IsWorkingTie() && t.DaysSince(r.last()) <= 90 {
				return true
			}
		}
		fu, fv := memberOf(u), memberOf(v)
		for _, f := range fu {
			if slices.Contains(fv, f) {
				return true
			}
		}
		return false
	}
	fired := map[string]bool{}

	// P1
	for i, u := range A {
		for _, v := range A[i+1:] {
			if m.actors[u].sector != m.actors[v].sector && !working(u, v) {
				fired["P1"] = true
			}
		}
	}
	// professional graph
	var nodes []string
	for id, a := range m.actors {
		if id != C && !a.removed {
			nodes = append(nodes, id)
		}
	}
	slices.Sort(nodes)
	var edges [][2]string
	for _, r := range active {
		if r.from != C && r.to != C {
			edges = append(edges, [2]string{r.from, r.to})
		}
	}
	comp := func(skip string) map[string]int {
		parent := map[string]string{}
		var find func(string) string
		find = func(x string) string {
			for parent[x] != x {
				parent[x] = parent[parent[x]]
				x = parent[x]
			}
			return x
		}
		for _, n := range nodes {
			if n != skip {
				parent[n] = n
			}
		}
		for _, e := range edges {
			if e[0] == skip || e[1] == skip {
				continue
			}
			if _, ok := parent[e[0]]; !ok {
				continue
			}
			if _, ok := parent[e[1]]; !ok {
				continue
			}
			a, b := find(e[0]), find(e[1])
			if a != b {
				parent[a] = b
			}
		}
		out := map[string]int{}
		ids := map[string]int{}
		for _, n := range nodes {
			if n == skip {
				continue
			}
			root := find(n)
			if _, ok := ids[root]; !ok {
				ids[root] = len(ids)
			}
			out[n] = ids[root]
		}
		return out
	}
	whole := comp("")
	// P2
	seen := map[int]bool{}
	for _, a := range A {
		seen[whole[a]] = true
	}
	if len(seen) >= 2 {
		fired["P2"] = true
	}
	// P13
	for _, w := range nodes {
		cw := comp(w)
		for i, u := range A {
			for _, v := range A[i+1:] {
				if u == w || v == w || m.actors[u].sector == m.actors[v].sector {
					continue
				}
				if whole[u] == whole[v] && cw[u] != cw[v] {
					fired["P13"] = true
				}
			}
		}
	}
	// P3
	coord := ""
	if m.coordRel != "" && m.rels[m.coordRel].active(t) {
		coord = m.coordinator
	}
	if len(lt) >= 2 && coord == "" && !m.offered {
		fired["P3"] = true
	}
	// P4
	if len(lt) >= 2 && m.planStatus != stakeholder.PlanActive && m.planStatus != stakeholder.PlanDeclined {
		fired["P4"] = true
	}
	if planActive {
		last := m.planCreated
		if m.lastReview.After(last) {
			last = m.lastReview
		}
		if t.DaysSince(last) > 365 {
			fired["P4"] = true
		}
	}
	// P5
	if coord != "" {
		for _, a := range A {
			if a != coord && !working(a, coord) {
				fired["P5"] = true
			}
		}
	}
	activeMember := func(a string) bool {
		if !planActive {
			return false
		}
		id, ok := m.planMembers[a]
		return ok && m.rels[id].active(t)
	}
	// P6
	if planActive {
		for a := range lt {
			if !activeMember(a) {
				fired["P6"] = true
			}
		}
	}
	// P7
	if len(A) > 0 {
		gp := false
		for _, a := range A {
			if m.actors[a].sector == stakeholder.SectorPrimaryHealth {
				gp = true
			}
		}
		if !gp {
			fired["P7"] = true
		}
	}
	// P8
	spec := false
	for _, a := range A {
		if s := m.actors[a].sector; s == stakeholder.SectorSpecialistMH || s == stakeholder.SectorSpecialistSU {
			spec = true
		}
	}
	if spec {
		peer := false
		for _, r := range active {
			if r.from != C && r.to != C {
				continue
			}
			other := r.from
			if other == C {
				other = r.to
			}
			if s := m.actors[other].sector; s == stakeholder.SectorUserOrg || s == stakeholder.SectorPeer {
				peer = true
			}
		}
		if !peer {
			fired["P8"] = true
		}
	}
	// P9
	for id, a := range m.actors {
		if a.removed || a.sector != stakeholder.SectorInformal || a.importance != stakeholder.High || a.consent == stakeholder.ConsentRefused {
			continue
		}
		tied := activeMember(id)
		for _, r := range active {
			if (r.from == id && inA[r.to]) || (r.to == id && inA[r.from]) {
				tied = true
			}
		}
		if !tied {
			fired["P9"] = true
		}
	}
	// P10
	for _, r := range active {
		if r.typ != stakeholder.RelServes {
			continue
		}
		if (r.from == C && inA[r.to]) || (r.to == C && inA[r.from]) {
			if t.DaysSince(r.last()) > 60 {
				fired["P10"] = true
			}
		}
	}
	if coord != "" {
		var latest date.Date
		for _, r := range rels {
			if r.joins(coord, C) && r.last().After(latest) {
				latest = r.last()
			}
		}
		if t.DaysSince(latest) > 30 {
			fired["P10"] = true
		}
	}
	// P11
	if len(m.parts) > 0 {
		latest := m.parts[0]
		for _, p := range m.parts[1:] {
			if !p.when.Before(latest.when) {
				latest = p
			}
		}
		if latest.level < 3 {
			fired["P11"] = true
		}
	} else {
		for _, r := range active {
			if r.typ == stakeholder.RelServes && (inA[r.from] || inA[r.to]) && t.DaysSince(r.start) > 180 {
				fired["P11"] = true
			}
		}
	}
	if planActive && !activeMember(C) {
		fired["P11"] = true
	}
	// P12
	for _, r := range rels {
		if r.typ != stakeholder.RelServes || !r.inpatient || r.end.IsZero() || r.end.After(t) || t.DaysSince(r.end) > 90 {
			continue
		}
		if r.from != C && r.to != C {
			continue
		}
		other := r.from
		if other == C {
			other = r.to
		}
		if s := m.actors[other].sector; s != stakeholder.SectorSpecialistMH && s != stakeholder.SectorSpecialistSU {
			continue
		}
		D := r.end
		received := false
		for _, q := range rels {
			if q.typ != stakeholder.RelServes || (q.from != C && q.to != C) {
				continue
			}
			o := q.from
			if o == C {
				o = q.to
			}
			if s := m.actors[o].sector; s != stakeholder.SectorMunicipalMHSU && s != stakeholder.SectorMunicipalCare {
				continue
			}
			if !q.start.After(D.AddDays(7)) && (q.end.IsZero() || !q.end.Before(D)) {
				received = true
			}
		}
		if !received {
			fired["P12"] = true
		}
	}
	// P14
	for _, r := range active {
		if r.quality != stakeholder.QualityStrained && r.quality != stakeholder.QualityBroken {
			continue
		}
		if (inA[r.from] && inA[r.to]) || (r.from == C && inA[r.to]) || (r.to == C && inA[r.from]) {
			fired["P14"] = true
		}
	}
	out := []string{}
	for k := range fired {
		out = append(out, k)
	}
	sortRules(out)
	return out
}
