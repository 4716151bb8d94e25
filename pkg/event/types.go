package event

import (
	"fmt"
	"slices"
	"strings"
)

// Type is a versioned event type string, no.samspill.<area>.v<N>.<name>.
type Type string

// Area is the aggregate kind an event type belongs to.
type Area string

// Aggregate kinds.
const (
	AreaMap       Area = "map"
	AreaDirectory Area = "directory"
	// AreaGap is a coordination gap, published by the gap service to its
	// own stream (SAMSPILL_GAPS), never to the event log.
	AreaGap Area = "gap"
)

// The event catalogue. These strings are the public contract; see
// docs/events.md. Never rename one: add a new version instead.
const (
	TypeEntryRegistered Type = "no.samspill.directory.v1.entry_registered"
	TypeEntryUpdated    Type = "no.samspill.directory.v1.entry_updated"
	TypeEntryRetired    Type = "no.samspill.directory.v1.entry_retired"

	TypeMapOpened Type = "no.samspill.map.v1.map_opened"
	TypeMapClosed Type = "no.samspill.map.v1.map_closed"
	TypeMapErased Type = "no.samspill.map.v1.map_erased"

	TypeActorAdded    Type = "no.samspill.map.v1.actor_added"
	TypeActorAssessed Type = "no.samspill.map.v1.actor_assessed"
	TypeActorUpdated  Type = "no.samspill.map.v1.actor_updated"
	TypeActorRemoved  Type = "no.samspill.map.v1.actor_removed"

	TypeRelationAdded   Type = "no.samspill.map.v1.relation_added"
	TypeRelationUpdated Type = "no.samspill.map.v1.relation_updated"
	TypeRelationEnded   Type = "no.samspill.map.v1.relation_ended"
	TypeContactRecorded Type = "no.samspill.map.v1.contact_recorded"

	TypeCoordinatorOffered  Type = "no.samspill.map.v1.coordinator_offered"
	TypeCoordinatorAssigned Type = "no.samspill.map.v1.coordinator_assigned"
	TypeCoordinatorDeclined Type = "no.samspill.map.v1.coordinator_declined"
	TypeCoordinatorEnded    Type = "no.samspill.map.v1.coordinator_ended"

	TypePlanCreated       Type = "no.samspill.map.v1.plan_created"
	TypePlanMemberAdded   Type = "no.samspill.map.v1.plan_member_added"
	TypePlanMemberRemoved Type = "no.samspill.map.v1.plan_member_removed"
	TypePlanReviewed      Type = "no.samspill.map.v1.plan_reviewed"
	TypePlanDeclined      Type = "no.samspill.map.v1.plan_declined"
	TypePlanClosed        Type = "no.samspill.map.v1.plan_closed"

	TypeParticipationAssessed Type = "no.samspill.map.v1.participation_assessed"
	TypeConsentRecorded       Type = "no.samspill.map.v1.consent_recorded"

	TypeAccessGranted Type = "no.samspill.map.v1.access_granted"
	TypeAccessRevoked Type = "no.samspill.map.v1.access_revoked"

	TypeGapOpened Type = "no.samspill.gap.v1.gap_opened"
	TypeGapClosed Type = "no.samspill.gap.v1.gap_closed"
)

// registry maps every type string to a constructor of its data. It is
// written once here and never changed at run time.
var registry = map[Type]func() Data{
	TypeEntryRegistered:       func() Data { return new(EntryRegistered) },
	TypeEntryUpdated:          func() Data { return new(EntryUpdated) },
	TypeEntryRetired:          func() Data { return new(EntryRetired) },
	TypeMapOpened:             func() Data { return new(MapOpened) },
	TypeMapClosed:             func() Data { return new(MapClosed) },
	TypeMapErased:             func() Data { return new(MapErased) },
	TypeActorAdded:            func() Data { return new(ActorAdded) },
	TypeActorAssessed:         func() Data { return new(ActorAssessed) },
	TypeActorUpdated:          func() Data { return new(ActorUpdated) },
	TypeActorRemoved:          func() Data { return new(ActorRemoved) },
	TypeRelationAdded:         func() Data { return new(RelationAdded) },
	TypeRelationUpdated:       func() Data { return new(RelationUpdated) },
	TypeRelationEnded:         func() Data { return new(RelationEnded) },
	TypeContactRecorded:       func() Data { return new(ContactRecorded) },
	TypeCoordinatorOffered:    func() Data { return new(CoordinatorOffered) },
	TypeCoordinatorAssigned:   func() Data { return new(CoordinatorAssigned) },
	TypeCoordinatorDeclined:   func() Data { return new(CoordinatorDeclined) },
	TypeCoordinatorEnded:      func() Data { return new(CoordinatorEnded) },
	TypePlanCreated:           func() Data { return new(PlanCreated) },
	TypePlanMemberAdded:       func() Data { return new(PlanMemberAdded) },
	TypePlanMemberRemoved:     func() Data { return new(PlanMemberRemoved) },
	TypePlanReviewed:          func() Data { return new(PlanReviewed) },
	TypePlanDeclined:          func() Data { return new(PlanDeclined) },
	TypePlanClosed:            func() Data { return new(PlanClosed) },
	TypeParticipationAssessed: func() Data { return new(ParticipationAssessed) },
	TypeConsentRecorded:       func() Data { return new(ConsentRecorded) },
	TypeAccessGranted:         func() Data { return new(AccessGranted) },
	TypeAccessRevoked:         func() Data { return new(AccessRevoked) },
	TypeGapOpened:             func() Data { return new(GapOpened) },
	TypeGapClosed:             func() Data { return new(GapClosed) },
}

// Types lists every registered type string, sorted.
func Types() []Type {
	out := make([]Type, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// NewData returns an empty value of the Go type registered for t.
func NewData(t Type) (Data, error) {
	f, ok := registry[t]
	if !ok {
		return nil, fmt.Errorf("%w: unknown event type %q", ErrMalformed, t)
	}
	return f(), nil
}

// Valid reports whether t is a registered type.
func (t Type) Valid() bool { _, ok := registry[t]; return ok }

func (t Type) parts() (area, version, name string) {
	rest, ok := strings.CutPrefix(string(t), "no.samspill.")
	if !ok {
		return "", "", ""
	}
	p := strings.Split(rest, ".")
	if len(p) != 3 {
		return "", "", ""
	}
	return p[0], p[1], p[2]
}

// Area returns the aggregate kind of t ("map", "directory" or "gap").
func (t Type) Area() Area { a, _, _ := t.parts(); return Area(a) }

// Version returns the version token of t, e.g. "v1".
func (t Type) Version() string { _, v, _ := t.parts(); return v }

// Name returns the last token of t, e.g. "actor_added". It is the last token
// of the NATS subject the event is stored under.
func (t Type) Name() string { _, _, n := t.parts(); return n }

// SchemaPath returns the path of t's JSON Schema below schemas/, for
// example "map/v1/actor_added.json".
func (t Type) SchemaPath() string {
	a, v, n := t.parts()
	return a + "/" + v + "/" + n + ".json"
}

// Data is the payload of one event type.
type Data interface {
	// EventType returns the type string of the event.
	EventType() Type
	// Validate checks the data on its own, without the aggregate's state.
	Validate() error
}

// Aggregate names one consistency boundary: a map or a directory entry of
// the event log, or a coordination gap of the gap stream.
type Aggregate struct {
	Kind Area
	ID   string
}

// MapAggregate returns the aggregate of the map with the given id.
func MapAggregate(id string) Aggregate { return Aggregate{AreaMap, id} }

// DirectoryAggregate returns the aggregate of the directory entry with the given id.
func DirectoryAggregate(id string) Aggregate { return Aggregate{AreaDirectory, id} }

// GapAggregate returns the aggregate of the coordination gap with the given
// id (16 lower-case hex digits, see IsGapID).
func GapAggregate(id string) Aggregate { return Aggregate{AreaGap, id} }

// String returns the CloudEvents subject of the aggregate, "map/<id>",
// "directory/<id>" or "gap/<id>".
func (a Aggregate) String() string { return string(a.Kind) + "/" + a.ID }

// Validate checks the kind and the form of the id.
func (a Aggregate) Validate() error {
	switch a.Kind {
	case AreaMap:
		if !IsUUID(a.ID) {
			return fmt.Errorf("%w: map id %q is not a UUID", ErrMalformed, a.ID)
		}
	case AreaDirectory:
		if !IsSlug(a.ID) {
			return fmt.Errorf("%w: directory id %q is not a slug (a-z, 0-9, -)", ErrMalformed, a.ID)
		}
	case AreaGap:
		if !IsGapID(a.ID) {
			return fmt.Errorf("%w: gap id %q is not 16 lower-case hex digits", ErrMalformed, a.ID)
		}
	default:
		return fmt.Errorf("%w: unknown aggregate kind %q", ErrMalformed, a.Kind)
	}
	return nil
}

// ParseAggregate parses a CloudEvents subject "map/<id>", "directory/<id>"
// or "gap/<id>".
func ParseAggregate(subject string) (Aggregate, error) {
	k, id, ok := strings.Cut(subject, "/")
	if !ok {
		return Aggregate{}, fmt.Errorf("%w: subject %q is not <kind>/<id>", ErrMalformed, subject)
	}
	a := Aggregate{Area(k), id}
	return a, a.Validate()
}
