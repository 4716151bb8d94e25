// Package export turns projected views of maps into map documents
// (samspill.map/v1) and region bundles (samspill.bundle/v1), revealing
// sealed personal data through the caller's keyring. An erased map exports
// with its structure and "[erased]" for every personal field, and with the
// machine ids of its actors and relations, since their document-local ids
// were sealed too.
//
// Structure and StructureBundle export without a keyring: the structure
// only (sectors, kinds, relations, dates, assessments' scales), with the
// machine ids of actors and relations and every personal field empty. They
// are for analysis that must never hold map keys, such as the gap service.
// Such a document is not a valid map document for import (names are
// missing); it is an input to package gaps.
package export

import (
	"context"
	"fmt"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/seal"
)

// Revealer opens sealed fields of a map (seal.Keyring satisfies it).
type Revealer interface {
	Reveal(ctx context.Context, mapID string, s event.Sealed) (string, error)
}

// Map exports one view as a map document as of the view's date.
func Map(ctx context.Context, v *projection.View, r Revealer) (*mapdoc.Document, error) {
	doc, _, err := MapWithIDs(ctx, v, r)
	return doc, err
}

// MapMachineIDs is Map with the machine ids (the ids commands take) as the
// document's ids, also on an imported map whose document ids were its own.
func MapMachineIDs(ctx context.Context, v *projection.View, r Revealer) (*mapdoc.Document, error) {
	doc, _, err := build(v, revealer(ctx, v, r), false)
	return doc, err
}

// MapWithIDs is Map that also returns the document-local id of every
// actor and relation, keyed by machine id.
func MapWithIDs(ctx context.Context, v *projection.View, r Revealer) (*mapdoc.Document, map[string]string, error) {
	return build(v, revealer(ctx, v, r), !v.Erased)
}

// revealer opens a view's sealed fields with r, and never for an erased map.
func revealer(ctx context.Context, v *projection.View, r Revealer) func(event.Sealed) (string, error) {
	return func(s event.Sealed) (string, error) {
		if v.Erased {
			// Never ask for the key of an erased map: a keyring that
			// still holds it in memory would reveal what was erased.
			if s == "" {
				return "", nil
			}
			return seal.ErasedText, nil
		}
		t, err := r.Reveal(ctx, v.MapID, s)
		if err != nil {
			return "", fmt.Errorf("export %s: %w", v.MapID, err)
		}
		return t, nil
	}
}

// Structure exports one view as a document of its structure only, needing
// no keyring: actors and relations keep their machine ids (UUIDs), the
// focus label, actors' names and the assessments' free texts are empty,
// and everything else (sectors, kinds, levels, directory links, relation
// types, qualities, dates, contacts, coordinator, plan, participation,
// consent) is as Map exports it.
func Structure(v *projection.View) *mapdoc.Document {
	doc, _, _ := build(v, func(event.Sealed) (string, error) { return "", nil }, false)
	return doc
}

// build exports v, opening sealed fields with open; with refs, actors and
// relations get the document-local ids their sealed refs hold, otherwise
// their machine ids.
func build(v *projection.View, open func(event.Sealed) (string, error), refs bool) (*mapdoc.Document, map[string]string, error) {
	local := map[string]string{} // machine id → document id
	localID := func(id string, ref event.Sealed) (string, error) {
		if !refs || ref == "" {
			return id, nil
		}
		return open(ref)
	}
	label, err := open(v.Focus.Label)
	if err != nil {
		return nil, nil, err
	}
	doc := &mapdoc.Document{Schema: mapdoc.SchemaMap, ID: v.MapID, AsOf: v.At,
		Focus:  mapdoc.Focus{Kind: v.Focus.Kind, Label: label, Municipality: v.Focus.Municipality, Region: v.Focus.Region},
		Actors: []mapdoc.Actor{}}
	for _, a := range v.Actors {
		id, err := localID(a.ID, a.Ref)
		if err != nil {
			return nil, nil, err
		}
		local[a.ID] = id
		name, err := open(a.Name)
		if err != nil {
			return nil, nil, err
		}
		out := mapdoc.Actor{ID: id, Kind: a.Kind, Sector: a.Sector, Level: a.Level, Name: name, Directory: a.Directory}
		if !a.Assessment.IsZero() {
			s := a.Assessment
			as := &mapdoc.Assessment{Importance: s.Importance, Influence: s.Influence, ProblemRecognition: s.ProblemRecognition,
				ConstraintRecognition: s.ConstraintRecognition, Involvement: s.Involvement, Public: s.Public, Linkage: s.Linkage, Attitude: s.Attitude}
			if as.Role, err = open(s.Role); err != nil {
				return nil, nil, err
			}
			if as.WhatMatters, err = open(s.WhatMatters); err != nil {
				return nil, nil, err
			}
			out.Assessment = as
		}
		doc.Actors = append(doc.Actors, out)
	}
	for _, rel := range v.Relations {
		id, err := localID(rel.ID, rel.Ref)
		if err != nil {
			return nil, nil, err
		}
		local[rel.ID] = id
		doc.Relations = append(doc.Relations, mapdoc.Relation{ID: id, From: local[rel.From], To: local[rel.To], Type: rel.Type,
			Quality: rel.Quality, ValidFrom: rel.ValidFrom, ValidTo: rel.ValidTo, Contacts: rel.Contacts,
			Formalised: rel.Formalised, Trust: rel.Trust, Value: rel.Value, Inpatient: rel.Inpatient})
	}
	if c := v.Coordinator; c.Actor != "" || !c.Offered.IsZero() || !c.Declined.IsZero() {
		doc.Coordinator = &mapdoc.Coordinator{Actor: local[c.Actor], Offered: c.Offered, Assigned: c.Assigned, Declined: c.Declined}
	}
	if p := v.Plan; p.Status != "" {
		doc.Plan = &mapdoc.Plan{Actor: local[p.Actor], Status: p.Status, Created: p.Created, LastReview: p.LastReview, Declined: p.Declined}
	}
	for _, p := range v.Participation {
		doc.Participation = append(doc.Participation, mapdoc.Participation{Level: p.Level, Date: p.Date, AssessedBy: local[p.AssessedBy]})
	}
	for _, c := range v.Consent {
		doc.Consent = append(doc.Consent, mapdoc.Consent{Actor: local[c.Actor], Status: c.Status, Date: c.Date})
	}
	return doc, local, nil
}

// Bundle exports the directory, the organisation map (if organisationMap
// is not empty) and the given citizen maps at one date as known at one moment.
func Bundle(ctx context.Context, st *projection.Store, r Revealer, organisationMap string, maps []string, at date.Date, knownAt time.Time) (*mapdoc.Bundle, error) {
	return bundle(st, organisationMap, maps, at, knownAt, func(v *projection.View) (*mapdoc.Document, error) { return Map(ctx, v, r) })
}

// StructureBundle is Bundle with every map exported by Structure: it needs
// no keyring. The directory is exported whole, names included, since
// directory entries are public facts about organisations.
func StructureBundle(st *projection.Store, organisationMap string, maps []string, at date.Date, knownAt time.Time) (*mapdoc.Bundle, error) {
	return bundle(st, organisationMap, maps, at, knownAt, func(v *projection.View) (*mapdoc.Document, error) { return Structure(v), nil })
}

func bundle(st *projection.Store, organisationMap string, maps []string, at date.Date, knownAt time.Time, export func(*projection.View) (*mapdoc.Document, error)) (*mapdoc.Bundle, error) {
	b := &mapdoc.Bundle{Schema: mapdoc.SchemaBundle, Directory: []mapdoc.Entry{}, Maps: []mapdoc.Document{}}
	for _, e := range st.Directory() {
		b.Directory = append(b.Directory, mapdoc.Entry{ID: e.ID, Name: e.Name, Sector: e.Sector, Kind: e.Kind, Municipality: e.Municipality})
	}
	if organisationMap != "" {
		v, err := st.View(organisationMap, at, knownAt)
		if err != nil {
			return nil, err
		}
		doc, err := export(v)
		if err != nil {
			return nil, err
		}
		b.OrganisationMap = doc
	}
	for _, id := range maps {
		v, err := st.View(id, at, knownAt)
		if err != nil {
			return nil, err
		}
		doc, err := export(v)
		if err != nil {
			return nil, err
		}
		b.Maps = append(b.Maps, *doc)
	}
	return b, nil
}
