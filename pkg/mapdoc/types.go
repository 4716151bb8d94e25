package mapdoc

import (
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// The values of the top-level "schema" field.
const (
	SchemaMap    = "samspill.map/v1"
	SchemaBundle = "samspill.bundle/v1"
)

// Document is one map as it stands at AsOf. The order of the fields of
// every struct here is the order in which Canonical writes them. A Document
// that Parse returned has passed every check of the package documentation;
// one built in code has not until it goes through Canonical and Parse.
type Document struct {
	Schema string    `json:"schema"` // SchemaMap
	ID     string    `json:"id"`     // lower-case UUID
	Focus  Focus     `json:"focus"`
	AsOf   date.Date `json:"asOf"`
	// Actors is always written, as [] when empty.
	Actors        []Actor         `json:"actors"`
	Relations     []Relation      `json:"relations,omitzero"`
	Coordinator   *Coordinator    `json:"coordinator,omitempty"`
	Plan          *Plan           `json:"plan,omitempty"`
	Participation []Participation `json:"participation,omitzero"`
	Consent       []Consent       `json:"consent,omitzero"`

	// index maps actor ids to positions in Actors; Parse builds it.
	index map[string]int
}

// Focus is what a map is about: a citizen, a municipality or a region.
type Focus struct {
	Kind stakeholder.FocusKind `json:"kind"`
	// Label is the display name ("Ola N.", "Grorud"); personal data on a
	// citizen map.
	Label string `json:"label"`
	// Municipality is the municipality number; required for citizen and
	// municipality maps.
	Municipality string `json:"municipality,omitempty"`
	// Region is the region code; required for region maps.
	Region string `json:"region,omitempty"`
}

// Actor is one actor of a map. ID is local to the document ("gp").
type Actor struct {
	ID     string             `json:"id"`
	Kind   stakeholder.Kind   `json:"kind"`
	Sector stakeholder.Sector `json:"sector"`
	Level  stakeholder.Level  `json:"level"`
	Name   string             `json:"name"`
	// Directory is the id of the actor's directory entry, if any.
	Directory  string      `json:"directory,omitempty"`
	Assessment *Assessment `json:"assessment,omitempty"`
}

// Assessment is the stakeholder assessment of an actor (domain.md). Every
// field is optional; the three judgements are nil when not judged.
type Assessment struct {
	Importance            stakeholder.Scale    `json:"importance,omitempty"`
	Influence             stakeholder.Scale    `json:"influence,omitempty"`
	ProblemRecognition    *bool                `json:"problemRecognition,omitempty"`
	ConstraintRecognition *bool                `json:"constraintRecognition,omitempty"`
	Involvement           *bool                `json:"involvement,omitempty"`
	Public                stakeholder.Public   `json:"public,omitempty"`
	Linkage               stakeholder.Linkage  `json:"linkage,omitempty"`
	Attitude              stakeholder.Attitude `json:"attitude,omitempty"`
	Role                  string               `json:"role,omitempty"`
	WhatMatters           string               `json:"whatMatters,omitempty"`
}

// Relation joins two actors of the same map. ID, From and To are local ids.
type Relation struct {
	ID        string                   `json:"id"`
	From      string                   `json:"from"`
	To        string                   `json:"to"`
	Type      stakeholder.RelationType `json:"type"`
	Quality   stakeholder.Quality      `json:"quality,omitempty"` // "" when not assessed
	ValidFrom date.Date                `json:"validFrom"`
	// ValidTo is the end date, the first day the relation is no longer
	// active; zero while it lasts.
	ValidTo date.Date `json:"validTo,omitzero"`
	// Contacts are the dates of recorded contact, in the order written.
	Contacts   []date.Date `json:"contacts,omitzero"`
	Formalised bool        `json:"formalised,omitempty"`
	// Trust and Value are PARTNER scores 1–4; 0 means not scored.
	Trust     int  `json:"trust,omitempty"`
	Value     int  `json:"value,omitempty"`
	Inpatient bool `json:"inpatient,omitempty"`
}

// Coordinator records the coordinator: offered, assigned (to Actor) or
// declined. Zero dates are absent.
type Coordinator struct {
	Actor    string    `json:"actor,omitempty"`
	Offered  date.Date `json:"offered,omitzero"`
	Assigned date.Date `json:"assigned,omitzero"`
	Declined date.Date `json:"declined,omitzero"`
}

// Plan is the individual plan; Actor is its forum. Zero dates are absent.
type Plan struct {
	Actor      string                 `json:"actor,omitempty"`
	Status     stakeholder.PlanStatus `json:"status"`
	Created    date.Date              `json:"created,omitzero"`
	LastReview date.Date              `json:"lastReview,omitzero"`
	Declined   date.Date              `json:"declined,omitzero"`
}

// Participation is one assessment on Shier's ladder (1–5).
type Participation struct {
	Level      stakeholder.Participation `json:"level"`
	Date       date.Date                 `json:"date"`
	AssessedBy string                    `json:"assessedBy,omitempty"`
}

// Consent is a next of kin's consent; Actor is of sector informal.
type Consent struct {
	Actor  string              `json:"actor"`
	Status stakeholder.Consent `json:"status"`
	Date   date.Date           `json:"date,omitzero"`
}

// Bundle holds a region: the directory, an optional organisation map and
// citizen maps whose actors point at directory entries.
type Bundle struct {
	Schema string `json:"schema"` // SchemaBundle
	// Directory and Maps are always written, as [] when empty.
	Directory       []Entry    `json:"directory"`
	OrganisationMap *Document  `json:"organisationMap,omitempty"`
	Maps            []Document `json:"maps"`
}

// Entry is an organisation or service of the directory. ID is a slug.
type Entry struct {
	ID           string                `json:"id"`
	Name         string                `json:"name"`
	Sector       stakeholder.Sector    `json:"sector"`
	Kind         stakeholder.EntryKind `json:"kind"`
	Municipality string                `json:"municipality"`
}
