package mapdoc

import (
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// buildIndex indexes the actors by id; Parse calls it before returning, so
// that reads never write and a parsed Document may be shared between
// goroutines.
func (d *Document) buildIndex() {
	d.index = make(map[string]int, len(d.Actors))
	for i, a := range d.Actors {
		if _, dup := d.index[a.ID]; !dup {
			d.index[a.ID] = i
		}
	}
}

// Actor returns the actor with the given id, or nil. It points into
// d.Actors. On a Document from Parse it looks the id up in an index; on one
// built or changed in code it falls back to a linear search.
func (d *Document) Actor(id string) *Actor {
	if i, ok := d.index[id]; ok && i < len(d.Actors) && d.Actors[i].ID == id {
		return &d.Actors[i]
	}
	for i := range d.Actors {
		if d.Actors[i].ID == id {
			return &d.Actors[i]
		}
	}
	return nil
}

// Citizen returns the actor of sector citizen (the person in focus of a
// citizen map), or nil when there is none.
func (d *Document) Citizen() *Actor {
	for i := range d.Actors {
		if d.Actors[i].Sector == stakeholder.SectorCitizen {
			return &d.Actors[i]
		}
	}
	return nil
}

// ActiveAt reports whether r is active at t: it began on or before t
// (validFrom ≤ t) and has no validTo or a validTo later than t.
func (d *Document) ActiveAt(r Relation, t date.Date) bool {
	return !r.ValidFrom.After(t) && (r.ValidTo.IsZero() || r.ValidTo.After(t))
}

// LastContact returns the last contact of r: its latest contact date, or
// validFrom when it has none (or none later).
func (d *Document) LastContact(r Relation) date.Date {
	last := r.ValidFrom
	for _, c := range r.Contacts {
		if c.After(last) {
			last = c
		}
	}
	return last
}
