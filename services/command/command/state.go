package command

import (
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// mapState is the write model of one map: only what validation needs, no
// personal data.
type mapState struct {
	version      uint64
	applied      appliedCommands
	exists       bool
	closed       bool
	erased       bool
	focus        stakeholder.FocusKind
	municipality string
	opened       date.Date
	citizen      string
	actors       map[string]*actorState
	relations    map[string]*relationState

	coordinator         string // assigned actor, "" if none
	coordinatorRelation string
	coordinatorOffered  bool
	coordinatorDeclined bool

	plan        string // forum actor of the plan, "" if none ever
	planStatus  stakeholder.PlanStatus
	planCreated date.Date
	planMembers map[string]string // actor → member-of relation

	// assigned are the principals (pseudonymous subjects) of the
	// coordinators the map is assigned to: the one who opened it, plus
	// access_granted, less access_revoked. The guard asks it before a
	// coordinator's command is decided.
	assigned map[string]bool
}

type actorState struct {
	kind      stakeholder.Kind
	sector    stakeholder.Sector
	directory string
	added     date.Date
	removed   bool
}

type relationState struct {
	from, to string
	typ      stakeholder.RelationType
	start    date.Date
	ended    bool
	end      date.Date
}

// appliedCommands remembers which command wrote which event, so that a
// retried command is answered with its first result instead of being
// decided again against a state that already holds its effect.
type appliedCommands map[string]appliedCommand

type appliedCommand struct {
	seq uint64
	typ event.Type
	ids map[string]string
}

func (a *appliedCommands) record(commandID string, seq uint64, d event.Data) {
	if *a == nil {
		*a = appliedCommands{}
	}
	(*a)[commandID] = appliedCommand{seq: seq, typ: d.EventType(), ids: idsOf(d)}
}

// idsOf returns the ids an event created.
func idsOf(d event.Data) map[string]string {
	switch d := d.(type) {
	case *event.MapOpened:
		if d.Citizen != nil {
			return map[string]string{"citizenId": d.Citizen.ActorID}
		}
	case *event.ActorAdded:
		return map[string]string{"actorId": d.ActorID}
	case *event.RelationAdded:
		return map[string]string{"relationId": d.RelationID}
	case *event.CoordinatorAssigned:
		return map[string]string{"relationId": d.RelationID}
	case *event.PlanMemberAdded:
		return map[string]string{"relationId": d.RelationID}
	}
	return nil
}

func newMapState() *mapState {
	return &mapState{actors: map[string]*actorState{}, relations: map[string]*relationState{}, planMembers: map[string]string{},
		assigned: map[string]bool{}}
}

// activeRelation returns an active relation of type t between a and b in
// either direction.
func (s *mapState) activeRelation(a, b string, t stakeholder.RelationType) (string, bool) {
	for id, r := range s.relations {
		if !r.ended && r.typ == t && ((r.from == a && r.to == b) || (r.from == b && r.to == a)) {
			return id, true
		}
	}
	return "", false
}

func (s *mapState) endRelation(id string, on date.Date) {
	if r, ok := s.relations[id]; ok && !r.ended {
		r.ended, r.end = true, on
	}
}

// apply folds one event, written by principal (its envelope's), into the
// state. Events are trusted (they passed validation when written); apply
// never fails.
func (s *mapState) apply(seq uint64, commandID, principal string, valid date.Date, d event.Data) {
	s.version = seq
	s.applied.record(commandID, seq, d)
	switch d := d.(type) {
	case *event.MapOpened:
		s.exists, s.focus, s.municipality, s.opened = true, d.Focus.Kind, d.Focus.Municipality, valid
		if principal != "" {
			s.assigned[principal] = true
		}
		if d.Citizen != nil {
			s.citizen = d.Citizen.ActorID
			s.actors[d.Citizen.ActorID] = &actorState{kind: stakeholder.KindPerson, sector: stakeholder.SectorCitizen, added: valid}
		}
	case *event.MapClosed:
		s.closed = true
	case *event.MapErased:
		s.erased = true
	case *event.AccessGranted:
		s.assigned[d.Principal] = true
	case *event.AccessRevoked:
		delete(s.assigned, d.Principal)
	case *event.ActorAdded:
		s.actors[d.ActorID] = &actorState{kind: d.Kind, sector: d.Sector, directory: d.Directory, added: valid}
	case *event.ActorUpdated:
		if a := s.actors[d.ActorID]; a != nil {
			if d.Kind != "" {
				a.kind = d.Kind
			}
			if d.Sector != "" {
				a.sector = d.Sector
			}
			if d.Directory != "" {
				a.directory = d.Directory
			}
		}
	case *event.ActorRemoved:
		if a := s.actors[d.ActorID]; a != nil {
			a.removed = true
		}
		for id, r := range s.relations {
			if r.from == d.ActorID || r.to == d.ActorID {
				s.endRelation(id, valid)
			}
		}
		if s.coordinator == d.ActorID {
			s.coordinator, s.coordinatorRelation = "", ""
		}
		delete(s.planMembers, d.ActorID)
	case *event.RelationAdded:
		s.relations[d.RelationID] = &relationState{from: d.From, to: d.To, typ: d.Type, start: valid}
	case *event.RelationEnded:
		s.endRelation(d.RelationID, valid)
		for a, rel := range s.planMembers {
			if rel == d.RelationID {
				delete(s.planMembers, a)
			}
		}
		if s.coordinatorRelation == d.RelationID {
			s.coordinator, s.coordinatorRelation = "", ""
		}
	case *event.CoordinatorOffered:
		s.coordinatorOffered = true
	case *event.CoordinatorAssigned:
		if _, ok := s.relations[d.RelationID]; !ok {
			s.relations[d.RelationID] = &relationState{from: d.ActorID, to: s.citizen, typ: stakeholder.RelCoordinates, start: valid}
		}
		s.coordinator, s.coordinatorRelation = d.ActorID, d.RelationID
	case *event.CoordinatorDeclined:
		s.coordinatorDeclined = true
	case *event.CoordinatorEnded:
		s.endRelation(s.coordinatorRelation, valid)
		s.coordinator, s.coordinatorRelation = "", ""
	case *event.PlanCreated:
		s.plan, s.planStatus, s.planCreated = d.ActorID, stakeholder.PlanActive, valid
	case *event.PlanMemberAdded:
		s.relations[d.RelationID] = &relationState{from: d.ActorID, to: s.plan, typ: stakeholder.RelMemberOf, start: valid}
		s.planMembers[d.ActorID] = d.RelationID
	case *event.PlanMemberRemoved:
		s.endRelation(s.planMembers[d.ActorID], valid)
		delete(s.planMembers, d.ActorID)
	case *event.PlanDeclined:
		if s.planStatus != stakeholder.PlanActive {
			s.planStatus = stakeholder.PlanDeclined
		}
	case *event.PlanClosed:
		for a, rel := range s.planMembers {
			s.endRelation(rel, valid)
			delete(s.planMembers, a)
		}
		s.planStatus = stakeholder.PlanClosed
	}
}

// entryState is the write model of one directory entry.
type entryState struct {
	version uint64
	applied appliedCommands
	exists  bool
	retired bool
	kind    stakeholder.EntryKind
	sector  stakeholder.Sector
}

func (s *entryState) apply(seq uint64, commandID string, d event.Data) {
	s.version = seq
	s.applied.record(commandID, seq, d)
	switch d := d.(type) {
	case *event.EntryRegistered:
		s.exists, s.kind, s.sector = true, d.Kind, d.Sector
	case *event.EntryUpdated:
		if d.Sector != "" {
			s.sector = d.Sector
		}
	case *event.EntryRetired:
		s.retired = true
	}
}
