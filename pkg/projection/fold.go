package projection

import (
	"cmp"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Fact is one event of a map with both of its times.
type Fact struct {
	Seq      uint64
	Recorded time.Time
	Valid    date.Date
	Data     event.Data
}

// History is every fact of one map, in log order.
type History struct {
	MapID string
	// OpenedBy is the principal (pseudonymous user id) of the command that
	// opened the map; empty when the open_map event named none, or when
	// the store was restored from a snapshot written before it was kept.
	OpenedBy string
	// Assigned are the principals of the coordinators the map is assigned
	// to now, sorted: the one who opened it, and those granted access
	// since (access_granted), less those whose access was revoked
	// (access_revoked). Assignments are not facts of the map: they change
	// who may see it, not what it says, so they are not among Facts.
	Assigned []string
	// Access are the map's access_granted and access_revoked events, by
	// their sequence and times alone: they count in the map's version
	// (the command service's expectedVersion), not in what it says.
	Access []Mark
	Facts  []Fact
}

// Mark is where and when an event that is not a fact of the map stands in
// the log.
type Mark struct {
	Seq      uint64    `json:"seq"`
	Recorded time.Time `json:"recorded"`
	Valid    date.Date `json:"valid"`
}

// IsAssigned reports whether the map is assigned to principal now.
func (h *History) IsAssigned(principal string) bool {
	_, ok := slices.BinarySearch(h.Assigned, principal)
	return ok && principal != ""
}

// Updated is the record time of the map's last event (zero when it has
// none).
func (h *History) Updated() time.Time {
	if len(h.Facts) == 0 {
		return time.Time{}
	}
	return h.Facts[len(h.Facts)-1].Recorded
}

// View folds the facts recorded by knownAt (zero: all) that hold by at
// into a view. It reports false when the map was not open on at as known
// at knownAt.
func (h *History) View(at date.Date, knownAt time.Time) (*View, bool) {
	facts := make([]Fact, 0, len(h.Facts))
	erased := false
	for _, f := range h.Facts {
		if _, ok := f.Data.(*event.MapErased); ok {
			erased = true // erasure reaches back in time: names are gone for every date
		}
		if (!knownAt.IsZero() && f.Recorded.After(knownAt)) || f.Valid.After(at) {
			continue
		}
		facts = append(facts, f)
	}
	// Facts are in log order; a stable sort by valid date puts a late
	// recorded correction where it holds.
	slices.SortStableFunc(facts, func(a, b Fact) int { return a.Valid.Compare(b.Valid) })
	b := builder{v: &View{MapID: h.MapID, At: at, KnownAt: knownAt, Erased: erased}, actors: map[string]int{}, rels: map[string]int{},
		removed: map[string]bool{}, born: map[string]uint64{}}
	for _, f := range facts {
		b.seq = f.Seq
		b.apply(f)
	}
	if b.v.Opened.IsZero() {
		return nil, false
	}
	b.finish()
	for _, m := range h.Access {
		if (knownAt.IsZero() || !m.Recorded.After(knownAt)) && !m.Valid.After(at) && m.Seq > b.v.Version {
			b.v.Version = m.Seq
		}
	}
	return b.v, true
}

type builder struct {
	v       *View
	actors  map[string]int
	rels    map[string]int
	removed map[string]bool
	born    map[string]uint64 // log position of the fact that created an actor or relation
	seq     uint64            // of the fact being applied
}

func (b *builder) actor(id string) *Actor {
	if i, ok := b.actors[id]; ok {
		return &b.v.Actors[i]
	}
	return nil
}

func (b *builder) relation(id string) *Relation {
	if i, ok := b.rels[id]; ok {
		return &b.v.Relations[i]
	}
	return nil
}

func (b *builder) addRelation(r Relation) {
	if _, dup := b.rels[r.ID]; dup {
		return
	}
	b.born[r.ID] = b.seq
	b.rels[r.ID] = len(b.v.Relations)
	b.v.Relations = append(b.v.Relations, r)
}

func (b *builder) end(id string, on date.Date) {
	if r := b.relation(id); r != nil && r.ValidTo.IsZero() {
		r.ValidTo = on
	}
}

func (b *builder) apply(f Fact) {
	v, on := b.v, f.Valid
	if f.Seq > v.Version {
		v.Version = f.Seq
	}
	switch d := f.Data.(type) {
	case *event.MapOpened:
		v.Focus, v.Opened = d.Focus, on
		if d.Citizen != nil {
			v.Citizen = d.Citizen.ActorID
			b.born[d.Citizen.ActorID] = b.seq
			b.actors[d.Citizen.ActorID] = len(v.Actors)
			v.Actors = append(v.Actors, Actor{ID: d.Citizen.ActorID, Kind: stakeholder.KindPerson, Level: stakeholder.LevelIndividual,
				Sector: stakeholder.SectorCitizen, Name: d.Citizen.Name, Ref: d.Citizen.Ref, Added: on})
		}
	case *event.MapClosed:
		v.Closed = true
	case *event.ActorAdded:
		b.born[d.ActorID] = b.seq
		b.actors[d.ActorID] = len(v.Actors)
		v.Actors = append(v.Actors, Actor{ID: d.ActorID, Kind: d.Kind, Level: d.Level, Sector: d.Sector, Name: d.Name, Ref: d.Ref, Directory: d.Directory, Added: on})
	case *event.ActorUpdated:
		if a := b.actor(d.ActorID); a != nil {
			a.Kind = or(d.Kind, a.Kind)
			a.Level = or(d.Level, a.Level)
			a.Sector = or(d.Sector, a.Sector)
			a.Name = or(d.Name, a.Name)
			a.Directory = or(d.Directory, a.Directory)
		}
	case *event.ActorAssessed:
		if a := b.actor(d.ActorID); a != nil {
			s := &a.Assessment
			s.Importance = or(d.Importance, s.Importance)
			s.Influence = or(d.Influence, s.Influence)
			if d.ProblemRecognition != nil {
				s.ProblemRecognition, s.ConstraintRecognition, s.Involvement, s.Public = d.ProblemRecognition, d.ConstraintRecognition, d.Involvement, d.Public
			}
			s.Linkage = or(d.Linkage, s.Linkage)
			s.Attitude = or(d.Attitude, s.Attitude)
			s.Role = or(d.Role, s.Role)
			s.WhatMatters = or(d.WhatMatters, s.WhatMatters)
			s.Date = on
		}
	case *event.ActorRemoved:
		b.removed[d.ActorID] = true
		for _, r := range v.Relations {
			if r.From == d.ActorID || r.To == d.ActorID {
				b.end(r.ID, on)
			}
		}
		if v.Coordinator.Actor == d.ActorID {
			v.Coordinator = Coordinator{Offered: v.Coordinator.Offered, Ended: on}
		}
	case *event.RelationAdded:
		b.addRelation(Relation{ID: d.RelationID, From: d.From, To: d.To, Type: d.Type, Quality: d.Quality, Formalised: d.Formalised,
			Trust: d.Trust, Value: d.Value, Inpatient: d.Inpatient, Ref: d.Ref, ValidFrom: on})
	case *event.RelationUpdated:
		if r := b.relation(d.RelationID); r != nil {
			r.Quality = or(d.Quality, r.Quality)
			if d.Formalised != nil {
				r.Formalised = *d.Formalised
			}
			if d.Inpatient != nil {
				r.Inpatient = *d.Inpatient
			}
			r.Trust = or(d.Trust, r.Trust)
			r.Value = or(d.Value, r.Value)
		}
	case *event.RelationEnded:
		b.end(d.RelationID, on)
	case *event.ContactRecorded:
		if r := b.relation(d.RelationID); r != nil {
			r.Contacts = append(r.Contacts, on)
		}
	case *event.CoordinatorOffered:
		v.Coordinator.Offered = on
		if d.ActorID != "" && v.Coordinator.Actor == "" {
			v.Coordinator.Actor = d.ActorID
		}
	case *event.CoordinatorAssigned:
		if b.relation(d.RelationID) == nil {
			b.addRelation(Relation{ID: d.RelationID, From: d.ActorID, To: v.Citizen, Type: stakeholder.RelCoordinates,
				Quality: stakeholder.QualityUnknown, Formalised: true, Ref: d.Ref, ValidFrom: on})
		}
		v.Coordinator.Actor, v.Coordinator.Relation, v.Coordinator.Assigned, v.Coordinator.Ended = d.ActorID, d.RelationID, on, date.Date{}
	case *event.CoordinatorDeclined:
		v.Coordinator.Declined = on
	case *event.CoordinatorEnded:
		b.end(v.Coordinator.Relation, on)
		v.Coordinator = Coordinator{Offered: v.Coordinator.Offered, Declined: v.Coordinator.Declined, Ended: on}
	case *event.PlanCreated:
		v.Plan = Plan{Actor: d.ActorID, Status: stakeholder.PlanActive, Created: on}
	case *event.PlanMemberAdded:
		b.addRelation(Relation{ID: d.RelationID, From: d.ActorID, To: v.Plan.Actor, Type: stakeholder.RelMemberOf,
			Quality: stakeholder.QualityUnknown, Formalised: true, Ref: d.Ref, ValidFrom: on})
	case *event.PlanMemberRemoved:
		for _, r := range v.Relations {
			if r.Type == stakeholder.RelMemberOf && r.From == d.ActorID && r.To == v.Plan.Actor && r.ValidTo.IsZero() {
				b.end(r.ID, on)
			}
		}
	case *event.PlanReviewed:
		v.Plan.LastReview = on
	case *event.PlanDeclined:
		if v.Plan.Status != stakeholder.PlanActive {
			v.Plan.Status, v.Plan.Declined = stakeholder.PlanDeclined, on
		}
	case *event.PlanClosed:
		for _, r := range v.Relations {
			if r.Type == stakeholder.RelMemberOf && r.To == v.Plan.Actor && r.ValidTo.IsZero() {
				b.end(r.ID, on)
			}
		}
		v.Plan.Status, v.Plan.Closed = stakeholder.PlanClosed, on
	case *event.ParticipationAssessed:
		v.Participation = append(v.Participation, Participation{Level: d.Level, Date: on, AssessedBy: d.AssessedBy})
	case *event.ConsentRecorded:
		i := slices.IndexFunc(v.Consent, func(c Consent) bool { return c.Actor == d.ActorID })
		c := Consent{Actor: d.ActorID, Status: d.Status, Date: on}
		if i < 0 {
			v.Consent = append(v.Consent, c)
		} else {
			v.Consent[i] = c
		}
	}
}

// finish puts actors and relations in the order they were written to the
// log (facts were folded in valid-time order), and drops removed actors and
// every trace of them: a view shows the map as it stands.
func (b *builder) finish() {
	v := b.v
	slices.SortStableFunc(v.Actors, func(x, y Actor) int { return cmp.Compare(b.born[x.ID], b.born[y.ID]) })
	slices.SortStableFunc(v.Relations, func(x, y Relation) int { return cmp.Compare(b.born[x.ID], b.born[y.ID]) })
	if len(b.removed) == 0 {
		return
	}
	v.Actors = slices.DeleteFunc(v.Actors, func(a Actor) bool { return b.removed[a.ID] })
	v.Relations = slices.DeleteFunc(v.Relations, func(r Relation) bool { return b.removed[r.From] || b.removed[r.To] })
	v.Consent = slices.DeleteFunc(v.Consent, func(c Consent) bool { return b.removed[c.Actor] })
	for i := range v.Participation {
		if b.removed[v.Participation[i].AssessedBy] {
			v.Participation[i].AssessedBy = ""
		}
	}
	if b.removed[v.Plan.Actor] {
		v.Plan = Plan{}
	}
}

func or[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}
