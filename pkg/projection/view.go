package projection

import (
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// Assessment is an actor's latest stakeholder assessment, field by field.
type Assessment struct {
	Importance            stakeholder.Scale    `json:"importance,omitempty"`
	Influence             stakeholder.Scale    `json:"influence,omitempty"`
	ProblemRecognition    *bool                `json:"problemRecognition,omitempty"`
	ConstraintRecognition *bool                `json:"constraintRecognition,omitempty"`
	Involvement           *bool                `json:"involvement,omitempty"`
	Public                stakeholder.Public   `json:"public,omitempty"`
	Linkage               stakeholder.Linkage  `json:"linkage,omitempty"`
	Attitude              stakeholder.Attitude `json:"attitude,omitempty"`
	Role                  event.Sealed         `json:"role,omitempty"`
	WhatMatters           event.Sealed         `json:"whatMatters,omitempty"`
	// Date is the valid date of the latest assessment that set any field.
	Date date.Date `json:"date,omitzero"`
}

// IsZero reports whether nothing was assessed.
func (a Assessment) IsZero() bool { return a.Date.IsZero() }

// Actor is an actor on a map at the view's date.
type Actor struct {
	ID         string             `json:"id"`
	Kind       stakeholder.Kind   `json:"kind"`
	Level      stakeholder.Level  `json:"level"`
	Sector     stakeholder.Sector `json:"sector"`
	Name       event.Sealed       `json:"name"`
	Ref        event.Sealed       `json:"ref,omitempty"`
	Directory  string             `json:"directory,omitempty"`
	Added      date.Date          `json:"added"`
	Assessment Assessment         `json:"assessment,omitzero"`
}

// Relation is a relation that had begun by the view's date; Ended is set
// when it had ended by then.
type Relation struct {
	ID         string                   `json:"id"`
	From       string                   `json:"from"`
	To         string                   `json:"to"`
	Type       stakeholder.RelationType `json:"type"`
	Quality    stakeholder.Quality      `json:"quality"`
	Formalised bool                     `json:"formalised,omitempty"`
	Trust      int                      `json:"trust,omitempty"`
	Value      int                      `json:"value,omitempty"`
	Inpatient  bool                     `json:"inpatient,omitempty"`
	Ref        event.Sealed             `json:"ref,omitempty"`
	ValidFrom  date.Date                `json:"validFrom"`
	ValidTo    date.Date                `json:"validTo,omitzero"`
	Contacts   []date.Date              `json:"contacts,omitempty"`
}

// Active reports whether r is active on t: begun on or before t and not
// ended by t.
func (r Relation) Active(t date.Date) bool {
	return !r.ValidFrom.After(t) && (r.ValidTo.IsZero() || r.ValidTo.After(t))
}

// LastContact is the latest contact, or the start when there is none.
func (r Relation) LastContact() date.Date {
	if len(r.Contacts) == 0 {
		return r.ValidFrom
	}
	return r.Contacts[len(r.Contacts)-1]
}

// Coordinator is the coordinator construct.
type Coordinator struct {
	Actor    string    `json:"actor,omitempty"`
	Relation string    `json:"relation,omitempty"`
	Offered  date.Date `json:"offered,omitzero"`
	Assigned date.Date `json:"assigned,omitzero"`
	Declined date.Date `json:"declined,omitzero"`
	Ended    date.Date `json:"ended,omitzero"`
}

// Plan is the individual plan.
type Plan struct {
	Actor      string                 `json:"actor,omitempty"`
	Status     stakeholder.PlanStatus `json:"status,omitempty"`
	Created    date.Date              `json:"created,omitzero"`
	LastReview date.Date              `json:"lastReview,omitzero"`
	Declined   date.Date              `json:"declined,omitzero"`
	Closed     date.Date              `json:"closed,omitzero"`
}

// Participation is one participation assessment.
type Participation struct {
	Level      stakeholder.Participation `json:"level"`
	Date       date.Date                 `json:"date"`
	AssessedBy string                    `json:"assessedBy,omitempty"`
}

// Consent is a next of kin's latest consent.
type Consent struct {
	Actor  string              `json:"actor"`
	Status stakeholder.Consent `json:"status"`
	Date   date.Date           `json:"date"`
}

// View is a map at one valid date as known at one moment.
type View struct {
	MapID string `json:"mapId"`
	// Version is the log sequence of the last event the view includes.
	Version uint64 `json:"version"`
	// At is the valid date; KnownAt the record time the view is as of.
	At      date.Date `json:"at"`
	KnownAt time.Time `json:"knownAt"`

	Focus   event.Focus `json:"focus"`
	Opened  date.Date   `json:"opened"`
	Citizen string      `json:"citizen,omitempty"`
	Closed  bool        `json:"closed,omitempty"`
	Erased  bool        `json:"erased,omitempty"`

	// Actors and Relations are in the order they were written to the log.
	Actors        []Actor         `json:"actors"`
	Relations     []Relation      `json:"relations"`
	Coordinator   Coordinator     `json:"coordinator,omitzero"`
	Plan          Plan            `json:"plan,omitzero"`
	Participation []Participation `json:"participation,omitempty"`
	Consent       []Consent       `json:"consent,omitempty"`
}

// Actor returns the actor with the given id.
func (v *View) Actor(id string) (Actor, bool) {
	i := slices.IndexFunc(v.Actors, func(a Actor) bool { return a.ID == id })
	if i < 0 {
		return Actor{}, false
	}
	return v.Actors[i], true
}

// ActiveRelations returns the relations active on the view's date.
func (v *View) ActiveRelations() []Relation {
	var out []Relation
	for _, r := range v.Relations {
		if r.Active(v.At) {
			out = append(out, r)
		}
	}
	return out
}
