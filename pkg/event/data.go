package event

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/samspill/samspill/pkg/stakeholder"
)

// checker collects validation problems so that one error names them all.
type checker struct{ problems []string }

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) uuid(field, v string) {
	if !IsUUID(v) {
		c.fail("%s %q is not a UUID", field, v)
	}
}

func (c *checker) optUUID(field string, v string) {
	if v != "" {
		c.uuid(field, v)
	}
}

func (c *checker) sealed(field string, v Sealed, required bool) {
	if v == "" {
		if required {
			c.fail("%s is missing", field)
		}
		return
	}
	if !v.Valid() {
		c.fail("%s is not a sealed value (personal data must be encrypted with the map key)", field)
	}
}

func (c *checker) valid(field string, ok bool, v any) {
	if !ok {
		c.fail("%s %v is not allowed", field, v)
	}
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.problems, "; "))
}

var (
	regionPattern    = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	orgNumberPattern = regexp.MustCompile(`^[0-9]{8,9}$`)
)

// IsMunicipality reports whether s is a municipality number (Norwegian and
// Swedish kommunenummer have four digits, Danish three: ^[0-9]{3,4}$).
func IsMunicipality(s string) bool {
	if len(s) < 3 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Scores after the PARTNER tool run from 1 (not at all) to 4 (a great deal).
const (
	MinScore = 1
	MaxScore = 4
)

// ---- directory ----

// EntryRegistered records an organisation or service in the shared directory.
type EntryRegistered struct {
	Kind         stakeholder.EntryKind `json:"kind"`
	Name         string                `json:"name"`
	Sector       stakeholder.Sector    `json:"sector"`
	Municipality string                `json:"municipality"`
	// Parent is the directory id of the organisation a service belongs to.
	Parent string `json:"parent,omitempty"`
	// OrgNumber is the public organisation number (Brønnøysund, Bolagsverket, CVR).
	OrgNumber string `json:"orgNumber,omitempty"`
}

func (EntryRegistered) EventType() Type { return TypeEntryRegistered }

func (d EntryRegistered) Validate() error {
	var c checker
	c.valid("kind", d.Kind.Valid(), d.Kind)
	checkName(&c, "name", d.Name, true)
	c.valid("sector", d.Sector.Valid() && d.Sector != stakeholder.SectorCitizen && d.Sector != stakeholder.SectorInformal, d.Sector)
	c.valid("municipality", IsMunicipality(d.Municipality), d.Municipality)
	if d.Parent != "" && !IsSlug(d.Parent) {
		c.fail("parent %q is not a directory id", d.Parent)
	}
	if d.OrgNumber != "" && !orgNumberPattern.MatchString(d.OrgNumber) {
		c.fail("orgNumber %q is not 8 or 9 digits", d.OrgNumber)
	}
	return c.err()
}

// EntryUpdated changes some fields of a directory entry; absent fields keep
// their value.
type EntryUpdated struct {
	Name         string             `json:"name,omitempty"`
	Sector       stakeholder.Sector `json:"sector,omitempty"`
	Municipality string             `json:"municipality,omitempty"`
	Parent       string             `json:"parent,omitempty"`
	OrgNumber    string             `json:"orgNumber,omitempty"`
}

func (EntryUpdated) EventType() Type { return TypeEntryUpdated }

func (d EntryUpdated) Validate() error {
	var c checker
	if d == (EntryUpdated{}) {
		c.fail("nothing to update")
	}
	checkName(&c, "name", d.Name, false)
	if d.Sector != "" {
		c.valid("sector", d.Sector.Valid() && d.Sector != stakeholder.SectorCitizen && d.Sector != stakeholder.SectorInformal, d.Sector)
	}
	if d.Municipality != "" {
		c.valid("municipality", IsMunicipality(d.Municipality), d.Municipality)
	}
	if d.Parent != "" && !IsSlug(d.Parent) {
		c.fail("parent %q is not a directory id", d.Parent)
	}
	if d.OrgNumber != "" && !orgNumberPattern.MatchString(d.OrgNumber) {
		c.fail("orgNumber %q is not 8 or 9 digits", d.OrgNumber)
	}
	return c.err()
}

// EntryRetired marks a directory entry as no longer operating. Maps that
// refer to it keep the reference.
type EntryRetired struct {
	// ReplacedBy is the directory id of the entry that took over, if any.
	ReplacedBy string `json:"replacedBy,omitempty"`
}

func (EntryRetired) EventType() Type { return TypeEntryRetired }

func (d EntryRetired) Validate() error {
	var c checker
	if d.ReplacedBy != "" && !IsSlug(d.ReplacedBy) {
		c.fail("replacedBy %q is not a directory id", d.ReplacedBy)
	}
	return c.err()
}

func checkName(c *checker, field, v string, required bool) {
	switch {
	case v == "" && required:
		c.fail("%s is missing", field)
	case len(v) > 200:
		c.fail("%s is longer than 200 bytes", field)
	case strings.ContainsAny(v, "\x00\r\n\t"):
		c.fail("%s contains control characters", field)
	}
}

// ---- maps ----

// Focus is what a map is about.
type Focus struct {
	Kind stakeholder.FocusKind `json:"kind"`
	// Label is the sealed display name of the focus ("Ola N.", "Grorud").
	Label        Sealed `json:"label"`
	Municipality string `json:"municipality,omitempty"`
	Region       string `json:"region,omitempty"`
}

// Citizen is the person in focus of a citizen map: an actor of kind
// person, sector citizen, level individual.
type Citizen struct {
	ActorID string `json:"actorId"`
	Name    Sealed `json:"name"`
	// Ref is the sealed local id the citizen had in an imported document.
	Ref Sealed `json:"ref,omitempty"`
}

// MapOpened starts a map. A citizen map names its citizen, who becomes the
// map's central actor with this one event.
type MapOpened struct {
	Focus   Focus    `json:"focus"`
	Citizen *Citizen `json:"citizen,omitempty"`
}

func (MapOpened) EventType() Type { return TypeMapOpened }

func (d MapOpened) Validate() error {
	var c checker
	c.valid("focus.kind", d.Focus.Kind.Valid(), d.Focus.Kind)
	c.sealed("focus.label", d.Focus.Label, true)
	switch d.Focus.Kind {
	case stakeholder.FocusCitizen, stakeholder.FocusMunicipality:
		c.valid("focus.municipality", IsMunicipality(d.Focus.Municipality), d.Focus.Municipality)
	case stakeholder.FocusRegion:
		c.valid("focus.region", regionPattern.MatchString(d.Focus.Region), d.Focus.Region)
	}
	if d.Focus.Municipality != "" {
		c.valid("focus.municipality", IsMunicipality(d.Focus.Municipality), d.Focus.Municipality)
	}
	if d.Focus.Region != "" {
		c.valid("focus.region", regionPattern.MatchString(d.Focus.Region), d.Focus.Region)
	}
	switch {
	case d.Focus.Kind == stakeholder.FocusCitizen && d.Citizen == nil:
		c.fail("citizen is missing: a citizen map names its citizen")
	case d.Focus.Kind != stakeholder.FocusCitizen && d.Citizen != nil:
		c.fail("citizen is only for maps of focus citizen")
	case d.Citizen != nil:
		c.uuid("citizen.actorId", d.Citizen.ActorID)
		c.sealed("citizen.name", d.Citizen.Name, true)
		c.sealed("citizen.ref", d.Citizen.Ref, false)
	}
	return c.err()
}

// CloseReason says why a map was closed.
type CloseReason string

// Close reasons.
const (
	CloseFollowUpEnded CloseReason = "follow-up-ended"
	CloseMoved         CloseReason = "moved"
	CloseDeceased      CloseReason = "deceased"
	CloseDuplicate     CloseReason = "duplicate"
	CloseOther         CloseReason = "other"
)

// MapClosed ends the follow-up a map records; it stays readable.
type MapClosed struct {
	Reason CloseReason `json:"reason"`
}

func (MapClosed) EventType() Type { return TypeMapClosed }

func (d MapClosed) Validate() error {
	var c checker
	switch d.Reason {
	case CloseFollowUpEnded, CloseMoved, CloseDeceased, CloseDuplicate, CloseOther:
	default:
		c.fail("reason %q is not one of follow-up-ended, moved, deceased, duplicate, other", d.Reason)
	}
	return c.err()
}

// ErasureBasis is the legal basis of an erasure.
type ErasureBasis string

// Erasure bases.
const (
	ErasureCitizenRequest   ErasureBasis = "citizen-request"   // GDPR art. 17
	ErasureRetentionExpired ErasureBasis = "retention-expired" // storage limitation
	ErasureEnteredInError   ErasureBasis = "entered-in-error"
)

// MapErased records that the map's key was deleted: every sealed field of
// every event of the map is unreadable from then on. The structure (sectors,
// relation types, dates) stays for de-identified statistics.
type MapErased struct {
	Basis ErasureBasis `json:"basis"`
}

func (MapErased) EventType() Type { return TypeMapErased }

func (d MapErased) Validate() error {
	var c checker
	switch d.Basis {
	case ErasureCitizenRequest, ErasureRetentionExpired, ErasureEnteredInError:
	default:
		c.fail("basis %q is not one of citizen-request, retention-expired, entered-in-error", d.Basis)
	}
	return c.err()
}

// ActorAdded places an actor on a map.
type ActorAdded struct {
	ActorID string             `json:"actorId"`
	Kind    stakeholder.Kind   `json:"kind"`
	Level   stakeholder.Level  `json:"level"`
	Sector  stakeholder.Sector `json:"sector"`
	Name    Sealed             `json:"name"`
	// Ref is the sealed local id the actor had in an imported document.
	Ref Sealed `json:"ref,omitempty"`
	// Directory is the directory id of the organisation or service the actor is.
	Directory string `json:"directory,omitempty"`
}

func (ActorAdded) EventType() Type { return TypeActorAdded }

func (d ActorAdded) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	c.valid("kind", d.Kind.Valid(), d.Kind)
	c.valid("level", d.Level.Valid(), d.Level)
	c.valid("sector", d.Sector.Valid(), d.Sector)
	c.sealed("name", d.Name, true)
	c.sealed("ref", d.Ref, false)
	if d.Directory != "" && !IsSlug(d.Directory) {
		c.fail("directory %q is not a directory id", d.Directory)
	}
	if d.Sector == stakeholder.SectorCitizen && d.Kind != stakeholder.KindPerson {
		c.fail("an actor of sector citizen must be of kind person")
	}
	return c.err()
}

// ActorAssessed records the stakeholder assessment of an actor as of the
// event's valid time. Absent fields were not assessed this time.
type ActorAssessed struct {
	ActorID               string               `json:"actorId"`
	Importance            stakeholder.Scale    `json:"importance,omitempty"`
	Influence             stakeholder.Scale    `json:"influence,omitempty"`
	ProblemRecognition    *bool                `json:"problemRecognition,omitempty"`
	ConstraintRecognition *bool                `json:"constraintRecognition,omitempty"`
	Involvement           *bool                `json:"involvement,omitempty"`
	Public                stakeholder.Public   `json:"public,omitempty"`
	Linkage               stakeholder.Linkage  `json:"linkage,omitempty"`
	Attitude              stakeholder.Attitude `json:"attitude,omitempty"`
	Role                  Sealed               `json:"role,omitempty"`
	WhatMatters           Sealed               `json:"whatMatters,omitempty"`
}

func (ActorAssessed) EventType() Type { return TypeActorAssessed }

func (d ActorAssessed) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	if d.Importance != "" {
		c.valid("importance", d.Importance.Valid(), d.Importance)
	}
	if d.Influence != "" {
		c.valid("influence", d.Influence.Valid(), d.Influence)
	}
	judged := d.ProblemRecognition != nil || d.ConstraintRecognition != nil || d.Involvement != nil
	all := d.ProblemRecognition != nil && d.ConstraintRecognition != nil && d.Involvement != nil
	if judged && !all {
		c.fail("problemRecognition, constraintRecognition and involvement are judged together: give all three or none")
	}
	if d.Public != "" {
		c.valid("public", d.Public.Valid(), d.Public)
		if !all {
			c.fail("public is derived from the three judgements and needs them")
		} else if want := stakeholder.DerivePublic(*d.ProblemRecognition, *d.ConstraintRecognition, *d.Involvement); want != d.Public {
			c.fail("public %q contradicts the judgements, which give %q", d.Public, want)
		}
	} else if all {
		c.fail("public is missing: it is derived from the judgements")
	}
	if d.Linkage != "" {
		c.valid("linkage", d.Linkage.Valid(), d.Linkage)
	}
	if d.Attitude != "" {
		c.valid("attitude", d.Attitude.Valid(), d.Attitude)
	}
	c.sealed("role", d.Role, false)
	c.sealed("whatMatters", d.WhatMatters, false)
	if d.Importance == "" && d.Influence == "" && !judged && d.Linkage == "" && d.Attitude == "" && d.Role == "" && d.WhatMatters == "" {
		c.fail("an assessment needs at least one value")
	}
	return c.err()
}

// ActorUpdated corrects an actor's description; absent fields keep their value.
type ActorUpdated struct {
	ActorID   string             `json:"actorId"`
	Kind      stakeholder.Kind   `json:"kind,omitempty"`
	Level     stakeholder.Level  `json:"level,omitempty"`
	Sector    stakeholder.Sector `json:"sector,omitempty"`
	Name      Sealed             `json:"name,omitempty"`
	Directory string             `json:"directory,omitempty"`
}

func (ActorUpdated) EventType() Type { return TypeActorUpdated }

func (d ActorUpdated) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	if d.Kind != "" {
		c.valid("kind", d.Kind.Valid(), d.Kind)
	}
	if d.Level != "" {
		c.valid("level", d.Level.Valid(), d.Level)
	}
	if d.Sector != "" {
		c.valid("sector", d.Sector.Valid() && d.Sector != stakeholder.SectorCitizen, d.Sector)
	}
	c.sealed("name", d.Name, false)
	if d.Directory != "" && !IsSlug(d.Directory) {
		c.fail("directory %q is not a directory id", d.Directory)
	}
	if d.Kind == "" && d.Level == "" && d.Sector == "" && d.Name == "" && d.Directory == "" {
		c.fail("nothing to update")
	}
	return c.err()
}

// ActorRemoved takes an actor off the map as of the valid time. Its history
// stays. Its active relations (plan membership and a coordinator role
// included) end on the same date: that is part of this event's meaning, so
// no separate relation_ended events are written for them.
type ActorRemoved struct {
	ActorID string `json:"actorId"`
}

func (ActorRemoved) EventType() Type { return TypeActorRemoved }

func (d ActorRemoved) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	return c.err()
}

// RelationAdded joins two actors of a map from the valid time on.
type RelationAdded struct {
	RelationID string                   `json:"relationId"`
	From       string                   `json:"from"`
	To         string                   `json:"to"`
	Type       stakeholder.RelationType `json:"type"`
	Quality    stakeholder.Quality      `json:"quality"`
	Formalised bool                     `json:"formalised,omitempty"`
	Trust      int                      `json:"trust,omitempty"`
	Value      int                      `json:"value,omitempty"`
	// Inpatient marks a serves relation that is an inpatient stay.
	Inpatient bool `json:"inpatient,omitempty"`
	// Ref is the sealed local id the relation had in an imported document.
	Ref Sealed `json:"ref,omitempty"`
}

func (RelationAdded) EventType() Type { return TypeRelationAdded }

func (d RelationAdded) Validate() error {
	var c checker
	c.uuid("relationId", d.RelationID)
	c.uuid("from", d.From)
	c.uuid("to", d.To)
	if d.From == d.To && d.From != "" {
		c.fail("a relation cannot join an actor to itself")
	}
	c.valid("type", d.Type.Valid(), d.Type)
	c.valid("quality", d.Quality.Valid(), d.Quality)
	checkScore(&c, "trust", d.Trust)
	checkScore(&c, "value", d.Value)
	if d.Inpatient && d.Type != stakeholder.RelServes {
		c.fail("inpatient applies only to serves relations")
	}
	c.sealed("ref", d.Ref, false)
	return c.err()
}

func checkScore(c *checker, field string, v int) {
	if v != 0 && (v < MinScore || v > MaxScore) {
		c.fail("%s %d is outside %d–%d", field, v, MinScore, MaxScore)
	}
}

// RelationUpdated changes a relation as of the valid time; absent fields
// keep their value.
type RelationUpdated struct {
	RelationID string              `json:"relationId"`
	Quality    stakeholder.Quality `json:"quality,omitempty"`
	Formalised *bool               `json:"formalised,omitempty"`
	Trust      int                 `json:"trust,omitempty"`
	Value      int                 `json:"value,omitempty"`
	Inpatient  *bool               `json:"inpatient,omitempty"`
}

func (RelationUpdated) EventType() Type { return TypeRelationUpdated }

func (d RelationUpdated) Validate() error {
	var c checker
	c.uuid("relationId", d.RelationID)
	if d.Quality != "" {
		c.valid("quality", d.Quality.Valid(), d.Quality)
	}
	checkScore(&c, "trust", d.Trust)
	checkScore(&c, "value", d.Value)
	if d.Quality == "" && d.Formalised == nil && d.Trust == 0 && d.Value == 0 && d.Inpatient == nil {
		c.fail("nothing to update")
	}
	return c.err()
}

// RelationEnded ends a relation; the valid time is its end date, the first
// day it is no longer active (the map document's validTo).
type RelationEnded struct {
	RelationID string `json:"relationId"`
}

func (RelationEnded) EventType() Type { return TypeRelationEnded }

func (d RelationEnded) Validate() error {
	var c checker
	c.uuid("relationId", d.RelationID)
	return c.err()
}

// ContactMode is how a contact took place.
type ContactMode string

// Contact modes.
const (
	ContactMeeting ContactMode = "meeting"
	ContactPhone   ContactMode = "phone"
	ContactDigital ContactMode = "digital"
	ContactLetter  ContactMode = "letter"
)

// ContactRecorded records a contact over a relation on the valid time's date.
type ContactRecorded struct {
	RelationID string      `json:"relationId"`
	Mode       ContactMode `json:"mode,omitempty"`
	Note       Sealed      `json:"note,omitempty"`
}

func (ContactRecorded) EventType() Type { return TypeContactRecorded }

func (d ContactRecorded) Validate() error {
	var c checker
	c.uuid("relationId", d.RelationID)
	switch d.Mode {
	case "", ContactMeeting, ContactPhone, ContactDigital, ContactLetter:
	default:
		c.fail("mode %q is not one of meeting, phone, digital, letter", d.Mode)
	}
	c.sealed("note", d.Note, false)
	return c.err()
}

// CoordinatorOffered records that the person was offered a coordinator
// (helse- og omsorgstjenesteloven § 7-2), optionally naming the actor offered.
type CoordinatorOffered struct {
	ActorID string `json:"actorId,omitempty"`
}

func (CoordinatorOffered) EventType() Type { return TypeCoordinatorOffered }

func (d CoordinatorOffered) Validate() error {
	var c checker
	c.optUUID("actorId", d.ActorID)
	return c.err()
}

// CoordinatorAssigned makes an actor the person's coordinator. RelationID is
// the coordinating relation: an existing active coordinates relation between
// the actor and the citizen, or, when no relation has that id, a new
// coordinates relation from the actor to the citizen that starts with this
// event (quality unknown, formalised).
type CoordinatorAssigned struct {
	ActorID    string `json:"actorId"`
	RelationID string `json:"relationId"`
	// Ref is the sealed local id a new coordinating relation had in an
	// imported document.
	Ref Sealed `json:"ref,omitempty"`
}

func (CoordinatorAssigned) EventType() Type { return TypeCoordinatorAssigned }

func (d CoordinatorAssigned) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	c.uuid("relationId", d.RelationID)
	c.sealed("ref", d.Ref, false)
	return c.err()
}

// CoordinatorDeclined records that the person declined a coordinator.
type CoordinatorDeclined struct{}

func (CoordinatorDeclined) EventType() Type { return TypeCoordinatorDeclined }

func (CoordinatorDeclined) Validate() error { return nil }

// CoordinatorEnded ends the coordinator's role and, on the same date, the
// coordinating relation.
type CoordinatorEnded struct {
	ActorID string `json:"actorId"`
}

func (CoordinatorEnded) EventType() Type { return TypeCoordinatorEnded }

func (d CoordinatorEnded) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	return c.err()
}

// PlanCreated starts the individual plan (individuell plan, SIP,
// koordinerende indsatsplan), represented by a forum actor of the map.
type PlanCreated struct {
	ActorID string `json:"actorId"`
}

func (PlanCreated) EventType() Type { return TypePlanCreated }

func (d PlanCreated) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	return c.err()
}

// PlanMemberAdded makes an actor a member of the plan: a member-of relation
// RelationID from the actor to the plan's forum actor, from the valid time.
type PlanMemberAdded struct {
	ActorID    string `json:"actorId"`
	RelationID string `json:"relationId"`
	// Ref is the sealed local id the membership relation had in an imported document.
	Ref Sealed `json:"ref,omitempty"`
}

func (PlanMemberAdded) EventType() Type { return TypePlanMemberAdded }

func (d PlanMemberAdded) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	c.uuid("relationId", d.RelationID)
	c.sealed("ref", d.Ref, false)
	return c.err()
}

// PlanMemberRemoved ends an actor's membership of the plan (its member-of
// relation to the plan's forum actor).
type PlanMemberRemoved struct {
	ActorID string `json:"actorId"`
}

func (PlanMemberRemoved) EventType() Type { return TypePlanMemberRemoved }

func (d PlanMemberRemoved) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	return c.err()
}

// PlanReviewed records a review of the active plan on the valid time's date.
type PlanReviewed struct{}

func (PlanReviewed) EventType() Type { return TypePlanReviewed }

func (PlanReviewed) Validate() error { return nil }

// PlanDeclined records that the person declined an individual plan.
type PlanDeclined struct{}

func (PlanDeclined) EventType() Type { return TypePlanDeclined }

func (PlanDeclined) Validate() error { return nil }

// PlanClosed closes the plan; every membership of it ends on the same date.
type PlanClosed struct{}

func (PlanClosed) EventType() Type { return TypePlanClosed }

func (PlanClosed) Validate() error { return nil }

// ParticipationAssessed records the person's participation on Shier's
// five-step ladder as of the valid time.
type ParticipationAssessed struct {
	Level stakeholder.Participation `json:"level"`
	// AssessedBy is the actor who made the assessment.
	AssessedBy string `json:"assessedBy,omitempty"`
	Note       Sealed `json:"note,omitempty"`
}

func (ParticipationAssessed) EventType() Type { return TypeParticipationAssessed }

func (d ParticipationAssessed) Validate() error {
	var c checker
	c.valid("level", d.Level.Valid(), d.Level)
	c.optUUID("assessedBy", d.AssessedBy)
	c.sealed("note", d.Note, false)
	return c.err()
}

// ConsentRecorded records a next of kin's consent to take part (to be
// informed and involved), as of the valid time.
type ConsentRecorded struct {
	ActorID string              `json:"actorId"`
	Status  stakeholder.Consent `json:"status"`
}

func (ConsentRecorded) EventType() Type { return TypeConsentRecorded }

func (d ConsentRecorded) Validate() error {
	var c checker
	c.uuid("actorId", d.ActorID)
	c.valid("status", d.Status.Valid(), d.Status)
	return c.err()
}

// IsPrincipal reports whether s has the form of a principal
// (^[A-Za-z0-9._:@-]{1,128}$).
func IsPrincipal(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '@' || c == '-') {
			return false
		}
	}
	return true
}

// AccessGranted assigns the map to a coordinator: from now on they may read
// and write it. The coordinator who opens a map is assigned by its
// map_opened event; this event assigns another. Written by the command
// grant_access, which only an administrator may give.
type AccessGranted struct {
	// Principal is the pseudonymous id of the coordinator.
	Principal string `json:"principal"`
}

func (AccessGranted) EventType() Type { return TypeAccessGranted }

func (d AccessGranted) Validate() error {
	var c checker
	c.valid("principal", IsPrincipal(d.Principal), d.Principal)
	return c.err()
}

// AccessRevoked ends a coordinator's assignment to the map, whether it came
// from map_opened or from access_granted. Written by the command
// revoke_access.
type AccessRevoked struct {
	// Principal is the pseudonymous id of the coordinator.
	Principal string `json:"principal"`
}

func (AccessRevoked) EventType() Type { return TypeAccessRevoked }

func (d AccessRevoked) Validate() error {
	var c checker
	c.valid("principal", IsPrincipal(d.Principal), d.Principal)
	return c.err()
}
