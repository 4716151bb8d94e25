package stakeholder

import (
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid is wrapped by every parse error of this package.
var ErrInvalid = fmt.Errorf("invalid value")

// vocabulary is a closed set of wire identifiers.
type vocabulary[T ~string] struct {
	name   string
	values []T
}

func (v vocabulary[T]) valid(x T) bool { return slices.Contains(v.values, x) }

func (v vocabulary[T]) parse(s string) (T, error) {
	x := T(s)
	if v.valid(x) {
		return x, nil
	}
	names := make([]string, len(v.values))
	for i, val := range v.values {
		names[i] = string(val)
	}
	return "", fmt.Errorf("%w: %q is not a %s (allowed: %s)", ErrInvalid, s, v.name, strings.Join(names, ", "))
}

// Kind is what an actor is.
type Kind string

// Actor kinds.
const (
	KindPerson       Kind = "person"
	KindService      Kind = "service"
	KindOrganisation Kind = "organisation"
	KindForum        Kind = "forum" // a responsibility group, council, or the individual plan
)

var kinds = vocabulary[Kind]{"actor kind", []Kind{KindPerson, KindService, KindOrganisation, KindForum}}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return kinds.valid(k) }

// ParseKind parses an actor kind.
func ParseKind(s string) (Kind, error) { return kinds.parse(s) }

// Kinds lists the actor kinds in their documented order.
func Kinds() []Kind { return slices.Clone(kinds.values) }

// Level is the level of user influence an actor works at.
type Level string

// Levels.
const (
	LevelIndividual Level = "individual"
	LevelService    Level = "service"
	LevelSystem     Level = "system"
)

var levels = vocabulary[Level]{"level", []Level{LevelIndividual, LevelService, LevelSystem}}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return levels.valid(l) }

// ParseLevel parses a level.
func ParseLevel(s string) (Level, error) { return levels.parse(s) }

// Levels lists the levels.
func Levels() []Level { return slices.Clone(levels.values) }

// Group is a sector group: the colour of an actor in a picture and the
// grouping the analysis reports on.
type Group string

// Sector groups.
const (
	GroupCitizen      Group = "citizen"
	GroupPrimaryCare  Group = "primary-care"
	GroupPsychiatry   Group = "psychiatry"
	GroupNAV          Group = "nav"
	GroupUserOrgs     Group = "user-organisations"
	GroupInformal     Group = "informal"
	GroupOtherService Group = "other-services"
	GroupSystem       Group = "system"
)

// Sector is the part of the welfare system an actor belongs to.
type Sector string

// Sectors, as in domain.md.
const (
	SectorCitizen       Sector = "citizen"
	SectorInformal      Sector = "informal"
	SectorPrimaryHealth Sector = "primary-health"
	SectorMunicipalMHSU Sector = "municipal-mh-su"
	SectorMunicipalCare Sector = "municipal-care"
	SectorSpecialistMH  Sector = "specialist-mh"
	SectorSpecialistSU  Sector = "specialist-su"
	SectorWelfareWork   Sector = "welfare-work"
	SectorSocial        Sector = "social-services"
	SectorHousing       Sector = "housing"
	SectorUserOrg       Sector = "user-org"
	SectorPeer          Sector = "peer"
	SectorJustice       Sector = "justice"
	SectorEducationWork Sector = "education-work"
	SectorCivilSociety  Sector = "civil-society"
	SectorGovernance    Sector = "governance"
)

var sectors = vocabulary[Sector]{"sector", []Sector{
	SectorCitizen, SectorInformal, SectorPrimaryHealth, SectorMunicipalMHSU, SectorMunicipalCare,
	SectorSpecialistMH, SectorSpecialistSU, SectorWelfareWork, SectorSocial, SectorHousing,
	SectorUserOrg, SectorPeer, SectorJustice, SectorEducationWork, SectorCivilSociety, SectorGovernance,
}}

var sectorGroups = map[Sector]Group{
	SectorCitizen:       GroupCitizen,
	SectorInformal:      GroupInformal,
	SectorPrimaryHealth: GroupPrimaryCare,
	SectorMunicipalMHSU: GroupPrimaryCare,
	SectorMunicipalCare: GroupPrimaryCare,
	SectorSpecialistMH:  GroupPsychiatry,
	SectorSpecialistSU:  GroupPsychiatry,
	SectorWelfareWork:   GroupNAV,
	SectorSocial:        GroupNAV,
	SectorHousing:       GroupOtherService,
	SectorUserOrg:       GroupUserOrgs,
	SectorPeer:          GroupUserOrgs,
	SectorJustice:       GroupOtherService,
	SectorEducationWork: GroupOtherService,
	SectorCivilSociety:  GroupInformal,
	SectorGovernance:    GroupSystem,
}

// Valid reports whether s is a known sector.
func (s Sector) Valid() bool { return sectors.valid(s) }

// Group returns the sector group of s, or "" for an unknown sector.
func (s Sector) Group() Group { return sectorGroups[s] }

// IsService reports whether actors of this sector count among a citizen's
// services (A(C) in domain.md): every sector except citizen and informal.
func (s Sector) IsService() bool { return s.Valid() && s != SectorCitizen && s != SectorInformal }

// ParseSector parses a sector.
func ParseSector(s string) (Sector, error) { return sectors.parse(s) }

// Sectors lists the sectors in their documented order.
func Sectors() []Sector { return slices.Clone(sectors.values) }

// RelationType is what a relation between two actors is.
type RelationType string

// Relation types.
const (
	RelServes       RelationType = "serves"
	RelCoordinates  RelationType = "coordinates"
	RelCollaborates RelationType = "collaborates"
	RelRefers       RelationType = "refers"
	RelInforms      RelationType = "informs"
	RelFamily       RelationType = "family"
	RelPeerSupport  RelationType = "peer-support"
	RelMemberOf     RelationType = "member-of"
	RelAgreement    RelationType = "agreement"
)

var relationTypes = vocabulary[RelationType]{"relation type", []RelationType{
	RelServes, RelCoordinates, RelCollaborates, RelRefers, RelInforms, RelFamily, RelPeerSupport, RelMemberOf, RelAgreement,
}}

// Valid reports whether t is a known relation type.
func (t RelationType) Valid() bool { return relationTypes.valid(t) }

// IsWorkingTie reports whether a relation of this type can be a working tie
// between two services (domain.md: collaborates, coordinates, refers, informs).
func (t RelationType) IsWorkingTie() bool {
	return t == RelCollaborates || t == RelCoordinates || t == RelRefers || t == RelInforms
}

// ParseRelationType parses a relation type.
func ParseRelationType(s string) (RelationType, error) { return relationTypes.parse(s) }

// RelationTypes lists the relation types.
func RelationTypes() []RelationType { return slices.Clone(relationTypes.values) }

// Quality is how well a relation works.
type Quality string

// Qualities.
const (
	QualityGood     Quality = "good"
	QualityStrained Quality = "strained"
	QualityBroken   Quality = "broken"
	QualityUnknown  Quality = "unknown"
)

var qualities = vocabulary[Quality]{"relation quality", []Quality{QualityGood, QualityStrained, QualityBroken, QualityUnknown}}

// Valid reports whether q is a known quality.
func (q Quality) Valid() bool { return qualities.valid(q) }

// ParseQuality parses a quality.
func ParseQuality(s string) (Quality, error) { return qualities.parse(s) }

// Scale is the three-step scale of importance and influence.
type Scale string

// Scale steps.
const (
	High   Scale = "high"
	Medium Scale = "medium"
	Low    Scale = "low"
)

var scales = vocabulary[Scale]{"scale value", []Scale{High, Medium, Low}}

// Valid reports whether s is a scale step.
func (s Scale) Valid() bool { return scales.valid(s) }

// ParseScale parses a scale step.
func ParseScale(s string) (Scale, error) { return scales.parse(s) }

// Public is Grunig & Hunt's type of public.
type Public string

// Publics.
const (
	PublicNone   Public = "non-public"
	PublicLatent Public = "latent"
	PublicAware  Public = "aware"
	PublicActive Public = "active"
)

var publics = vocabulary[Public]{"public", []Public{PublicNone, PublicLatent, PublicAware, PublicActive}}

// Valid reports whether p is a known public.
func (p Public) Valid() bool { return publics.valid(p) }

// ParsePublic parses a public.
func ParsePublic(s string) (Public, error) { return publics.parse(s) }

// DerivePublic applies Grunig & Hunt's situational theory to the three
// judgements: an actor that neither is involved nor recognises the problem
// is no public; one that does not recognise the problem is latent; one that
// recognises it, is involved and sees no constraint on acting is active;
// anyone else who recognises the problem is aware.
func DerivePublic(problemRecognition, constraintRecognition, involvement bool) Public {
	switch {
	case !problemRecognition && !involvement:
		return PublicNone
	case !problemRecognition:
		return PublicLatent
	case involvement && !constraintRecognition:
		return PublicActive
	default:
		return PublicAware
	}
}

// Linkage is Grunig & Hunt's type of linkage between an organisation and a public.
type Linkage string

// Linkages.
const (
	LinkageEnabling   Linkage = "enabling"
	LinkageFunctional Linkage = "functional"
	LinkageNormative  Linkage = "normative"
	LinkageDiffused   Linkage = "diffused"
)

var linkages = vocabulary[Linkage]{"linkage", []Linkage{LinkageEnabling, LinkageFunctional, LinkageNormative, LinkageDiffused}}

// Valid reports whether l is a known linkage.
func (l Linkage) Valid() bool { return linkages.valid(l) }

// ParseLinkage parses a linkage.
func ParseLinkage(s string) (Linkage, error) { return linkages.parse(s) }

// Attitude is an actor's attitude to the person's goals.
type Attitude string

// Attitudes.
const (
	AttitudeSupportive Attitude = "supportive"
	AttitudeNeutral    Attitude = "neutral"
	AttitudeOpposed    Attitude = "opposed"
)

var attitudes = vocabulary[Attitude]{"attitude", []Attitude{AttitudeSupportive, AttitudeNeutral, AttitudeOpposed}}

// Valid reports whether a is a known attitude.
func (a Attitude) Valid() bool { return attitudes.valid(a) }

// ParseAttitude parses an attitude.
func ParseAttitude(s string) (Attitude, error) { return attitudes.parse(s) }

// FocusKind is what a map is about.
type FocusKind string

// Focus kinds.
const (
	FocusCitizen      FocusKind = "citizen"
	FocusMunicipality FocusKind = "municipality"
	FocusRegion       FocusKind = "region"
)

var focusKinds = vocabulary[FocusKind]{"focus kind", []FocusKind{FocusCitizen, FocusMunicipality, FocusRegion}}

// Valid reports whether f is a known focus kind.
func (f FocusKind) Valid() bool { return focusKinds.valid(f) }

// ParseFocusKind parses a focus kind.
func ParseFocusKind(s string) (FocusKind, error) { return focusKinds.parse(s) }

// Consent is a next of kin's consent status.
type Consent string

// Consent statuses.
const (
	ConsentGiven   Consent = "given"
	ConsentRefused Consent = "refused"
	ConsentUnknown Consent = "unknown"
)

var consents = vocabulary[Consent]{"consent status", []Consent{ConsentGiven, ConsentRefused, ConsentUnknown}}

// Valid reports whether c is a known consent status.
func (c Consent) Valid() bool { return consents.valid(c) }

// ParseConsent parses a consent status.
func ParseConsent(s string) (Consent, error) { return consents.parse(s) }

// PlanStatus is the state of an individual plan.
type PlanStatus string

// Plan statuses.
const (
	PlanActive   PlanStatus = "active"
	PlanDeclined PlanStatus = "declined"
	PlanClosed   PlanStatus = "closed"
)

// Participation is a step on Shier's five-step ladder of participation.
type Participation int

// Participation steps.
const (
	ParticipationListened     Participation = 1 // listened to
	ParticipationSupported    Participation = 2 // supported to express views
	ParticipationTakenAccount Participation = 3 // views taken into account
	ParticipationInvolved     Participation = 4 // involved in decisions
	ParticipationSharesPower  Participation = 5 // shares power and responsibility
	ParticipationLowest                     = ParticipationListened
	ParticipationHighest                    = ParticipationSharesPower
)

// Valid reports whether p is a step of the ladder.
func (p Participation) Valid() bool { return p >= ParticipationLowest && p <= ParticipationHighest }

// EntryKind is what a directory entry is.
type EntryKind string

// Directory entry kinds.
const (
	EntryOrganisation EntryKind = "organisation"
	EntryService      EntryKind = "service"
)

var entryKinds = vocabulary[EntryKind]{"directory entry kind", []EntryKind{EntryOrganisation, EntryService}}

// Valid reports whether k is a known entry kind.
func (k EntryKind) Valid() bool { return entryKinds.valid(k) }

// ParseEntryKind parses a directory entry kind.
func ParseEntryKind(s string) (EntryKind, error) { return entryKinds.parse(s) }
