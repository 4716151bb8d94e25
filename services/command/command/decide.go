package command

import (
	"strings"
	"unicode/utf8"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Limits on text fields.
const (
	maxName = 200
	maxText = 2000
	// maxAhead is how far ahead of today a planned fact may start.
	maxAhead = 366
)

// decider holds what one decision may look at.
type decider struct {
	today date.Date
	valid date.Date
	m     *mapState   // map commands
	e     *entryState // directory commands
	key   *seal.Key   // map commands
	newID func(field string) string
	entry func(id string) (*entryState, error)
}

func (d *decider) id(field, given string) (string, *Error) {
	if given == "" {
		given = d.newID(field)
	} else if !event.IsUUID(given) {
		return "", invalid(field, "%q is not a lower-case UUID; ids are chosen by machines, never names", given)
	}
	return given, nil
}

func checkText(field, v string, max int, required, multiline bool) *Error {
	switch {
	case v == "" && required:
		return invalid(field, "is required")
	case !utf8.ValidString(v):
		return invalid(field, "is not valid UTF-8")
	case len(v) > max:
		return invalid(field, "is longer than %d bytes", max)
	case strings.TrimSpace(v) != v:
		return invalid(field, "has leading or trailing white space")
	}
	for _, r := range v {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\t')) || r == 0x7f {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

func (d *decider) seal(field, v string, required, multiline bool) (event.Sealed, *Error) {
	max := maxName
	if multiline {
		max = maxText
	}
	if err := checkText(field, v, max, required, multiline); err != nil {
		return "", err
	}
	if v == "" {
		return "", nil
	}
	if d.key == nil {
		return "", fail(CodeGone, "mapId", "the map's key was erased")
	}
	s, err := d.key.Seal(v)
	if err != nil {
		return "", fail(CodeInternal, field, "could not seal: %v", err)
	}
	return s, nil
}

// liveMap requires an open map.
func (d *decider) liveMap() *Error {
	switch {
	case !d.m.exists:
		return notFound("mapId", "no such map")
	case d.m.erased:
		return fail(CodeGone, "mapId", "the map was erased")
	case d.m.closed:
		return fail(CodeGone, "mapId", "the map is closed")
	}
	return nil
}

func (d *decider) citizenMap() *Error {
	if err := d.liveMap(); err != nil {
		return err
	}
	if d.m.focus != stakeholder.FocusCitizen {
		return invalid("mapId", "coordinators, plans, participation and consent belong to citizen maps, not to a %s map", d.m.focus)
	}
	return nil
}

func (d *decider) actor(field, id string) (*actorState, *Error) {
	if id == "" {
		return nil, invalid(field, "is required")
	}
	a, ok := d.m.actors[id]
	if !ok {
		return nil, notFound(field, "no actor %s on this map", id)
	}
	if a.removed {
		return nil, invalid(field, "actor %s was removed from the map", id)
	}
	return a, nil
}

func (d *decider) relation(field, id string) (*relationState, *Error) {
	if id == "" {
		return nil, invalid(field, "is required")
	}
	r, ok := d.m.relations[id]
	if !ok {
		return nil, notFound(field, "no relation %s on this map", id)
	}
	if r.ended {
		return nil, invalid(field, "relation %s ended on %s", id, r.end)
	}
	return r, nil
}

// happened requires a valid time that is not in the future.
func (d *decider) happened() *Error {
	if d.valid.After(d.today) {
		return invalid("validTime", "%s is in the future; record what has happened", d.valid)
	}
	return nil
}

// plausible allows planned facts up to a year ahead.
func (d *decider) plausible() *Error {
	if d.valid.After(d.today.AddDays(maxAhead)) {
		return invalid("validTime", "%s is more than a year ahead", d.valid)
	}
	return nil
}

func (d *decider) notBefore(start date.Date, what string) *Error {
	if d.valid.Before(start) {
		return invalid("validTime", "%s is before %s (%s)", d.valid, what, start)
	}
	return nil
}

func (d *decider) directoryRef(field, id string) *Error {
	if id == "" {
		return nil
	}
	if !event.IsSlug(id) {
		return invalid(field, "%q is not a directory id", id)
	}
	e, err := d.entry(id)
	if err != nil {
		return fail(CodeInternal, field, "directory lookup: %v", err)
	}
	if !e.exists {
		return notFound(field, "no directory entry %s", id)
	}
	if e.retired {
		return invalid(field, "directory entry %s is retired", id)
	}
	return nil
}

func enum[T interface{ Valid() bool }](field string, v T, required bool) *Error {
	var zero T
	if any(v) == any(zero) {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if !v.Valid() {
		return invalid(field, "%v is not an allowed value", v)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...*Error) *Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ---- directory ----

func (c *RegisterEntry) decide(d *decider) (event.Data, *Error) {
	if d.e.exists {
		return nil, fail(CodeConflict, "entryId", "directory entry %s exists", c.EntryID)
	}
	if c.Sector == stakeholder.SectorCitizen || c.Sector == stakeholder.SectorInformal {
		return nil, invalid("sector", "the directory holds organisations and services, not %s actors", c.Sector)
	}
	if err := firstErr(enum("kind", c.Kind, true), enum("sector", c.Sector, true),
		checkText("name", c.Name, maxName, true, false), d.plausible()); err != nil {
		return nil, err
	}
	if !event.IsMunicipality(c.Municipality) {
		return nil, invalid("municipality", "%q is not a municipality number", c.Municipality)
	}
	if c.Parent != "" {
		if err := d.directoryRef("parent", c.Parent); err != nil {
			return nil, err
		}
	}
	return &event.EntryRegistered{Kind: c.Kind, Name: c.Name, Sector: c.Sector, Municipality: c.Municipality, Parent: c.Parent, OrgNumber: c.OrgNumber}, nil
}

func (c *UpdateEntry) decide(d *decider) (event.Data, *Error) {
	if !d.e.exists {
		return nil, notFound("entryId", "no directory entry %s", c.EntryID)
	}
	if d.e.retired {
		return nil, fail(CodeGone, "entryId", "directory entry %s is retired", c.EntryID)
	}
	if c.Name != "" {
		if err := checkText("name", c.Name, maxName, false, false); err != nil {
			return nil, err
		}
	}
	if err := enum("sector", c.Sector, false); err != nil {
		return nil, err
	}
	if c.Parent != "" {
		if c.Parent == c.EntryID {
			return nil, invalid("parent", "an entry cannot be its own parent")
		}
		if err := d.directoryRef("parent", c.Parent); err != nil {
			return nil, err
		}
	}
	return &event.EntryUpdated{Name: c.Name, Sector: c.Sector, Municipality: c.Municipality, Parent: c.Parent, OrgNumber: c.OrgNumber}, nil
}

func (c *RetireEntry) decide(d *decider) (event.Data, *Error) {
	if !d.e.exists {
		return nil, notFound("entryId", "no directory entry %s", c.EntryID)
	}
	if d.e.retired {
		return nil, fail(CodeConflict, "entryId", "directory entry %s is already retired", c.EntryID)
	}
	if c.ReplacedBy != "" {
		if c.ReplacedBy == c.EntryID {
			return nil, invalid("replacedBy", "an entry cannot replace itself")
		}
		if err := d.directoryRef("replacedBy", c.ReplacedBy); err != nil {
			return nil, err
		}
	}
	return &event.EntryRetired{ReplacedBy: c.ReplacedBy}, nil
}

// ---- maps ----

func (c *OpenMap) decide(d *decider) (event.Data, *Error) {
	if d.m.exists {
		return nil, fail(CodeConflict, "mapId", "map %s exists", c.MapID)
	}
	if err := firstErr(enum("focus", c.Focus, true), d.plausible()); err != nil {
		return nil, err
	}
	label, err := d.seal("label", c.Label, true, false)
	if err != nil {
		return nil, err
	}
	f := event.Focus{Kind: c.Focus, Label: label, Municipality: c.Municipality, Region: c.Region}
	out := &event.MapOpened{Focus: f}
	switch c.Focus {
	case stakeholder.FocusCitizen:
		id, err := d.id("citizenId", c.CitizenID)
		if err != nil {
			return nil, err
		}
		name := c.CitizenName
		if name == "" {
			name = c.Label
		}
		sealed, err := d.seal("citizenName", name, true, false)
		if err != nil {
			return nil, err
		}
		ref, err := d.seal("citizenRef", c.CitizenRef, false, false)
		if err != nil {
			return nil, err
		}
		out.Citizen = &event.Citizen{ActorID: id, Name: sealed, Ref: ref}
	default:
		if c.CitizenID != "" || c.CitizenName != "" {
			return nil, invalid("citizenId", "only citizen maps have a citizen")
		}
	}
	if verr := out.Validate(); verr != nil {
		return nil, invalid("focus", "%v", verr)
	}
	return out, nil
}

func (c *CloseMap) decide(d *decider) (event.Data, *Error) {
	if err := d.liveMap(); err != nil {
		return nil, err
	}
	out := &event.MapClosed{Reason: event.CloseReason(c.Reason)}
	if out.Reason == "" {
		out.Reason = event.CloseFollowUpEnded
	}
	if err := out.Validate(); err != nil {
		return nil, invalid("reason", "%v", err)
	}
	return out, nil
}

func (c *EraseMap) decide(d *decider) (event.Data, *Error) {
	if !d.m.exists {
		return nil, notFound("mapId", "no such map")
	}
	if d.m.erased {
		return nil, fail(CodeGone, "mapId", "the map was already erased")
	}
	out := &event.MapErased{Basis: event.ErasureBasis(c.Basis)}
	if err := out.Validate(); err != nil {
		return nil, invalid("basis", "%v", err)
	}
	return out, nil
}

// ---- access ----

// assignable requires a map whose assignments may change: one that exists
// and was not erased. A closed map can still be read, so who may read it
// can still change.
func (d *decider) assignable() *Error {
	switch {
	case !d.m.exists:
		return notFound("mapId", "no such map")
	case d.m.erased:
		return fail(CodeGone, "mapId", "the map was erased")
	}
	return nil
}

// principal checks the principal an assignment names. A national identity
// number was refused before (screen); the value is not repeated when it
// is not a principal, since it could be anything.
func (d *decider) principal(v string) *Error {
	if v == "" {
		return invalid("principal", "is required")
	}
	if !event.IsPrincipal(v) {
		return invalid("principal", "is not a principal: 1–128 of A–Z, a–z, 0–9 and . _ : @ -, the pseudonymous subject of a coordinator")
	}
	return nil
}

// now requires the valid time of today: an assignment holds from when it
// is written, not from a date of the sender's choosing.
func (d *decider) now() *Error {
	if d.valid.Before(d.today) || d.valid.After(d.today) {
		return invalid("validTime", "an assignment holds from now; leave validTime out")
	}
	return nil
}

func (c *GrantAccess) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.assignable(), d.principal(c.Principal), d.now()); err != nil {
		return nil, err
	}
	if d.m.assigned[c.Principal] {
		return nil, invalid("principal", "the map is already assigned to %s", c.Principal)
	}
	return &event.AccessGranted{Principal: c.Principal}, nil
}

func (c *RevokeAccess) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.assignable(), d.principal(c.Principal), d.now()); err != nil {
		return nil, err
	}
	if !d.m.assigned[c.Principal] {
		return nil, invalid("principal", "the map is not assigned to %s", c.Principal)
	}
	return &event.AccessRevoked{Principal: c.Principal}, nil
}

// ---- actors ----

func (c *AddActor) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), enum("kind", c.Kind, true), enum("level", c.Level, true), enum("sector", c.Sector, true), d.plausible()); err != nil {
		return nil, err
	}
	if c.Sector == stakeholder.SectorCitizen {
		return nil, invalid("sector", "a map has one citizen, named when it is opened")
	}
	id, err := d.id("actorId", c.ActorID)
	if err != nil {
		return nil, err
	}
	if _, dup := d.m.actors[id]; dup {
		return nil, fail(CodeConflict, "actorId", "actor %s is already on the map", id)
	}
	if err := d.directoryRef("directory", c.Directory); err != nil {
		return nil, err
	}
	if c.Directory != "" {
		for other, a := range d.m.actors {
			if a.directory == c.Directory && !a.removed {
				return nil, fail(CodeConflict, "directory", "directory entry %s is already on the map as actor %s", c.Directory, other)
			}
		}
	}
	name, err := d.seal("name", c.Name, true, false)
	if err != nil {
		return nil, err
	}
	ref, err := d.seal("ref", c.Ref, false, false)
	if err != nil {
		return nil, err
	}
	return &event.ActorAdded{ActorID: id, Kind: c.Kind, Level: c.Level, Sector: c.Sector, Name: name, Ref: ref, Directory: c.Directory}, nil
}

func (c *AssessActor) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), d.happened()); err != nil {
		return nil, err
	}
	if _, err := d.actor("actorId", c.ActorID); err != nil {
		return nil, err
	}
	if err := firstErr(enum("importance", c.Importance, false), enum("influence", c.Influence, false),
		enum("linkage", c.Linkage, false), enum("attitude", c.Attitude, false)); err != nil {
		return nil, err
	}
	out := &event.ActorAssessed{ActorID: c.ActorID, Importance: c.Importance, Influence: c.Influence,
		ProblemRecognition: c.ProblemRecognition, ConstraintRecognition: c.ConstraintRecognition, Involvement: c.Involvement,
		Linkage: c.Linkage, Attitude: c.Attitude}
	judged := c.ProblemRecognition != nil || c.ConstraintRecognition != nil || c.Involvement != nil
	if judged {
		if c.ProblemRecognition == nil || c.ConstraintRecognition == nil || c.Involvement == nil {
			return nil, invalid("problemRecognition", "problemRecognition, constraintRecognition and involvement are judged together")
		}
		out.Public = stakeholder.DerivePublic(*c.ProblemRecognition, *c.ConstraintRecognition, *c.Involvement)
	}
	var err *Error
	if out.Role, err = d.seal("role", c.Role, false, true); err != nil {
		return nil, err
	}
	if out.WhatMatters, err = d.seal("whatMatters", c.WhatMatters, false, true); err != nil {
		return nil, err
	}
	if verr := out.Validate(); verr != nil {
		return nil, invalid("", "%v", verr)
	}
	return out, nil
}

func (c *UpdateActor) decide(d *decider) (event.Data, *Error) {
	if err := d.liveMap(); err != nil {
		return nil, err
	}
	if _, err := d.actor("actorId", c.ActorID); err != nil {
		return nil, err
	}
	if c.ActorID == d.m.citizen && (c.Sector != "" || c.Kind != "") {
		return nil, invalid("sector", "the citizen's kind and sector cannot change")
	}
	if c.Sector == stakeholder.SectorCitizen {
		return nil, invalid("sector", "a map has one citizen")
	}
	if err := firstErr(enum("kind", c.Kind, false), enum("level", c.Level, false), enum("sector", c.Sector, false), d.directoryRef("directory", c.Directory)); err != nil {
		return nil, err
	}
	name, err := d.seal("name", c.Name, false, false)
	if err != nil {
		return nil, err
	}
	out := &event.ActorUpdated{ActorID: c.ActorID, Kind: c.Kind, Level: c.Level, Sector: c.Sector, Name: name, Directory: c.Directory}
	if verr := out.Validate(); verr != nil {
		return nil, invalid("", "%v", verr)
	}
	return out, nil
}

func (c *RemoveActor) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), d.plausible()); err != nil {
		return nil, err
	}
	a, err := d.actor("actorId", c.ActorID)
	if err != nil {
		return nil, err
	}
	if c.ActorID == d.m.citizen {
		return nil, invalid("actorId", "the citizen cannot be removed from their own map; close or erase the map")
	}
	if c.ActorID == d.m.plan && d.m.planStatus == stakeholder.PlanActive {
		return nil, invalid("actorId", "the actor stands for the active plan; close the plan first")
	}
	if err := d.notBefore(a.added, "the actor was added"); err != nil {
		return nil, err
	}
	for id, r := range d.m.relations {
		if !r.ended && (r.from == c.ActorID || r.to == c.ActorID) && d.valid.Before(r.start) {
			return nil, invalid("validTime", "%s is before relation %s began (%s)", d.valid, id, r.start)
		}
	}
	return &event.ActorRemoved{ActorID: c.ActorID}, nil
}

// ---- relations ----

func (c *AddRelation) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), enum("type", c.Type, true), enum("quality", c.Quality, false), d.plausible()); err != nil {
		return nil, err
	}
	if c.From == c.To && c.From != "" {
		return nil, invalid("to", "a relation cannot join an actor to itself")
	}
	if _, err := d.actor("from", c.From); err != nil {
		return nil, err
	}
	if _, err := d.actor("to", c.To); err != nil {
		return nil, err
	}
	switch {
	case c.Type == stakeholder.RelMemberOf && d.m.plan != "" && (c.To == d.m.plan || c.From == d.m.plan):
		return nil, invalid("type", "membership of the plan is recorded with add_plan_member")
	case c.Type == stakeholder.RelCoordinates && d.m.citizen != "" && (c.To == d.m.citizen || c.From == d.m.citizen):
		return nil, invalid("type", "the coordinator is recorded with assign_coordinator")
	case c.Inpatient && c.Type != stakeholder.RelServes:
		return nil, invalid("inpatient", "applies only to serves relations")
	}
	if other, dup := d.m.activeRelation(c.From, c.To, c.Type); dup {
		return nil, fail(CodeConflict, "type", "an active %s relation between these actors exists (%s)", c.Type, other)
	}
	for _, s := range []struct {
		f string
		v int
	}{{"trust", c.Trust}, {"value", c.Value}} {
		if s.v != 0 && (s.v < event.MinScore || s.v > event.MaxScore) {
			return nil, invalid(s.f, "%d is outside %d–%d", s.v, event.MinScore, event.MaxScore)
		}
	}
	id, err := d.id("relationId", c.RelationID)
	if err != nil {
		return nil, err
	}
	if _, dup := d.m.relations[id]; dup {
		return nil, fail(CodeConflict, "relationId", "relation %s exists", id)
	}
	q := c.Quality
	if q == "" {
		q = stakeholder.QualityUnknown
	}
	ref, err := d.seal("ref", c.Ref, false, false)
	if err != nil {
		return nil, err
	}
	return &event.RelationAdded{RelationID: id, From: c.From, To: c.To, Type: c.Type, Quality: q,
		Formalised: c.Formalised, Trust: c.Trust, Value: c.Value, Inpatient: c.Inpatient, Ref: ref}, nil
}

func (c *UpdateRelation) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), enum("quality", c.Quality, false), d.plausible()); err != nil {
		return nil, err
	}
	r, err := d.relation("relationId", c.RelationID)
	if err != nil {
		return nil, err
	}
	if err := d.notBefore(r.start, "the relation began"); err != nil {
		return nil, err
	}
	if c.Inpatient != nil && *c.Inpatient && r.typ != stakeholder.RelServes {
		return nil, invalid("inpatient", "applies only to serves relations")
	}
	out := &event.RelationUpdated{RelationID: c.RelationID, Quality: c.Quality, Formalised: c.Formalised, Trust: c.Trust, Value: c.Value, Inpatient: c.Inpatient}
	if verr := out.Validate(); verr != nil {
		return nil, invalid("", "%v", verr)
	}
	return out, nil
}

func (c *EndRelation) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), d.plausible()); err != nil {
		return nil, err
	}
	r, err := d.relation("relationId", c.RelationID)
	if err != nil {
		return nil, err
	}
	if c.RelationID == d.m.coordinatorRelation {
		return nil, invalid("relationId", "this relation is the coordinator's; use end_coordinator")
	}
	for _, rel := range d.m.planMembers {
		if rel == c.RelationID {
			return nil, invalid("relationId", "this relation is a plan membership; use remove_plan_member")
		}
	}
	if err := d.notBefore(r.start, "the relation began"); err != nil {
		return nil, err
	}
	return &event.RelationEnded{RelationID: c.RelationID}, nil
}

func (c *RecordContact) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.liveMap(), d.happened()); err != nil {
		return nil, err
	}
	r, ok := d.m.relations[c.RelationID]
	if !ok {
		return nil, notFound("relationId", "no relation %s on this map", c.RelationID)
	}
	if err := d.notBefore(r.start, "the relation began"); err != nil {
		return nil, err
	}
	if r.ended && d.valid.After(r.end) {
		return nil, invalid("validTime", "%s is after the relation ended (%s)", d.valid, r.end)
	}
	note, err := d.seal("note", c.Note, false, true)
	if err != nil {
		return nil, err
	}
	out := &event.ContactRecorded{RelationID: c.RelationID, Mode: event.ContactMode(c.Mode), Note: note}
	if verr := out.Validate(); verr != nil {
		return nil, invalid("mode", "%v", verr)
	}
	return out, nil
}

// ---- coordinator ----

func (c *OfferCoordinator) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened()); err != nil {
		return nil, err
	}
	if c.ActorID != "" {
		if _, err := d.actor("actorId", c.ActorID); err != nil {
			return nil, err
		}
	}
	if d.m.coordinator != "" {
		return nil, fail(CodeConflict, "mapId", "a coordinator is assigned")
	}
	return &event.CoordinatorOffered{ActorID: c.ActorID}, nil
}

func (c *AssignCoordinator) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.plausible()); err != nil {
		return nil, err
	}
	a, err := d.actor("actorId", c.ActorID)
	if err != nil {
		return nil, err
	}
	if c.ActorID == d.m.citizen {
		return nil, invalid("actorId", "the citizen cannot be their own coordinator")
	}
	if a.sector == stakeholder.SectorInformal {
		return nil, invalid("actorId", "a coordinator is a professional (hol. § 7-2), not next of kin")
	}
	if d.m.coordinator != "" {
		return nil, fail(CodeConflict, "actorId", "actor %s is the coordinator; end that first", d.m.coordinator)
	}
	rel, ok := d.m.activeRelation(c.ActorID, d.m.citizen, stakeholder.RelCoordinates)
	var ref event.Sealed
	if !ok {
		var err *Error
		if rel, err = d.id("relationId", c.RelationID); err != nil {
			return nil, err
		}
		if _, dup := d.m.relations[rel]; dup {
			return nil, fail(CodeConflict, "relationId", "relation %s exists", rel)
		}
		if ref, err = d.seal("ref", c.Ref, false, false); err != nil {
			return nil, err
		}
	} else if c.RelationID != "" && c.RelationID != rel {
		return nil, invalid("relationId", "the actor already coordinates through relation %s", rel)
	}
	return &event.CoordinatorAssigned{ActorID: c.ActorID, RelationID: rel, Ref: ref}, nil
}

func (c *DeclineCoordinator) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened()); err != nil {
		return nil, err
	}
	if d.m.coordinator != "" {
		return nil, fail(CodeConflict, "mapId", "a coordinator is assigned; end it instead")
	}
	return &event.CoordinatorDeclined{}, nil
}

func (c *EndCoordinator) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.plausible()); err != nil {
		return nil, err
	}
	if d.m.coordinator == "" {
		return nil, notFound("mapId", "no coordinator is assigned")
	}
	if r := d.m.relations[d.m.coordinatorRelation]; r != nil {
		if err := d.notBefore(r.start, "the coordinator was assigned"); err != nil {
			return nil, err
		}
	}
	return &event.CoordinatorEnded{ActorID: d.m.coordinator}, nil
}

// ---- plan ----

func (c *CreatePlan) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened()); err != nil {
		return nil, err
	}
	a, err := d.actor("actorId", c.ActorID)
	if err != nil {
		return nil, err
	}
	if a.kind != stakeholder.KindForum {
		return nil, invalid("actorId", "the plan is a forum actor; actor %s is a %s", c.ActorID, a.kind)
	}
	if d.m.planStatus == stakeholder.PlanActive {
		return nil, fail(CodeConflict, "mapId", "a plan is active")
	}
	if c.ActorID == d.m.plan {
		return nil, invalid("actorId", "this forum stood for a closed plan; add a new forum actor for a new plan")
	}
	return &event.PlanCreated{ActorID: c.ActorID}, nil
}

func (d *decider) activePlan() *Error {
	if err := d.citizenMap(); err != nil {
		return err
	}
	if d.m.planStatus != stakeholder.PlanActive {
		return notFound("mapId", "no active plan")
	}
	return nil
}

func (c *AddPlanMember) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.activePlan(), d.plausible()); err != nil {
		return nil, err
	}
	if _, err := d.actor("actorId", c.ActorID); err != nil {
		return nil, err
	}
	if c.ActorID == d.m.plan {
		return nil, invalid("actorId", "the plan cannot be a member of itself")
	}
	if _, ok := d.m.planMembers[c.ActorID]; ok {
		return nil, fail(CodeConflict, "actorId", "actor %s is a member", c.ActorID)
	}
	if err := d.notBefore(d.m.planCreated, "the plan was created"); err != nil {
		return nil, err
	}
	id, err := d.id("relationId", c.RelationID)
	if err != nil {
		return nil, err
	}
	if _, dup := d.m.relations[id]; dup {
		return nil, fail(CodeConflict, "relationId", "relation %s exists", id)
	}
	ref, err := d.seal("ref", c.Ref, false, false)
	if err != nil {
		return nil, err
	}
	return &event.PlanMemberAdded{ActorID: c.ActorID, RelationID: id, Ref: ref}, nil
}

func (c *RemovePlanMember) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.activePlan(), d.plausible()); err != nil {
		return nil, err
	}
	rel, ok := d.m.planMembers[c.ActorID]
	if !ok {
		return nil, notFound("actorId", "actor %s is not a member of the plan", c.ActorID)
	}
	if err := d.notBefore(d.m.relations[rel].start, "the membership began"); err != nil {
		return nil, err
	}
	return &event.PlanMemberRemoved{ActorID: c.ActorID}, nil
}

func (c *ReviewPlan) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.activePlan(), d.happened(), d.notBefore(d.m.planCreated, "the plan was created")); err != nil {
		return nil, err
	}
	return &event.PlanReviewed{}, nil
}

func (c *DeclinePlan) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened()); err != nil {
		return nil, err
	}
	if d.m.planStatus == stakeholder.PlanActive {
		return nil, fail(CodeConflict, "mapId", "a plan is active; close it instead")
	}
	return &event.PlanDeclined{}, nil
}

func (c *ClosePlan) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.activePlan(), d.plausible(), d.notBefore(d.m.planCreated, "the plan was created")); err != nil {
		return nil, err
	}
	return &event.PlanClosed{}, nil
}

// ---- participation and consent ----

func (c *RecordParticipation) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened()); err != nil {
		return nil, err
	}
	if !stakeholder.Participation(c.Level).Valid() {
		return nil, invalid("level", "%d is not a step of the participation ladder (1–5)", c.Level)
	}
	if c.AssessedBy != "" {
		if _, err := d.actor("assessedBy", c.AssessedBy); err != nil {
			return nil, err
		}
	}
	note, err := d.seal("note", c.Note, false, true)
	if err != nil {
		return nil, err
	}
	return &event.ParticipationAssessed{Level: stakeholder.Participation(c.Level), AssessedBy: c.AssessedBy, Note: note}, nil
}

func (c *RecordConsent) decide(d *decider) (event.Data, *Error) {
	if err := firstErr(d.citizenMap(), d.happened(), enum("status", c.Status, true)); err != nil {
		return nil, err
	}
	a, err := d.actor("actorId", c.ActorID)
	if err != nil {
		return nil, err
	}
	if a.sector != stakeholder.SectorInformal {
		return nil, invalid("actorId", "consent is recorded for next of kin (sector informal), not for a %s actor", a.sector)
	}
	return &event.ConsentRecorded{ActorID: c.ActorID, Status: c.Status}, nil
}
