package render

import (
	"fmt"
	"slices"

	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// ChangeMap draws one citizen map at two dates overlaid, as DOT: the
// actors and relations of both documents, placed as on the person's map
// (by the later document, or the earlier for what it alone has), with what
// was added green and marked new, what ended or was removed grey, dashed
// and struck through, and what changed orange with what changed. A
// relation counts when it is active at its document's date; actors and
// relations are matched by id. before and after must be documents of the
// same map (the same id), or the error wraps [ErrInput].
func ChangeMap(before, after *mapdoc.Document, o Options) ([]byte, error) {
	t, err := o.texts()
	if err != nil {
		return nil, err
	}
	if before == nil || after == nil {
		return nil, fmt.Errorf("%w: a change map needs two documents", ErrInput)
	}
	if before.ID != after.ID {
		return nil, fmt.Errorf("%w: documents of two maps (%s and %s)", ErrInput, before.ID, after.ID)
	}
	m, err := newEgo(after, t)
	if err != nil {
		return nil, err
	}
	if _, err := newEgo(before, t); err != nil {
		return nil, err
	}
	if before.Citizen().ID != after.Citizen().ID {
		return nil, fmt.Errorf("%w: the documents have different citizens", ErrInput)
	}
	m.change = true
	for _, a := range after.Actors {
		x := m.byID[a.ID]
		old := before.Actor(a.ID)
		if old == nil {
			x.change = changeAdded
			continue
		}
		if x.notes = actorChanges(*old, a, t); len(x.notes) > 0 {
			x.change = changeChanged
		}
	}
	for _, a := range before.Actors {
		if after.Actor(a.ID) == nil {
			m.addActor(a).change = changeEnded
		}
	}

	was, err := activePairs(before)
	if err != nil {
		return nil, err
	}
	is, err := activePairs(after)
	if err != nil {
		return nil, err
	}
	wasRel := map[string]mapdoc.Relation{}
	for _, rels := range was {
		for _, r := range rels {
			wasRel[r.ID] = r
		}
	}
	isRel := map[string]bool{}
	for _, rels := range is {
		for _, r := range rels {
			isRel[r.ID] = true
		}
	}
	// The pairs of the later date, then those only the earlier had.
	for _, rels := range is {
		p := m.newPair(rels)
		var notes []string
		var kinds []change
		for _, r := range rels {
			old, ok := wasRel[r.ID]
			switch {
			case !ok:
				kinds = append(kinds, changeAdded)
				notes = append(notes, t.relations[r.Type]+": "+t.added)
			default:
				if ns := relationChanges(old, r, t); len(ns) > 0 {
					kinds = append(kinds, changeChanged)
					notes = append(notes, ns...)
				} else {
					kinds = append(kinds, unchanged)
				}
			}
		}
		// Relations of this pair that ended.
		for _, rels := range was {
			for _, r := range rels {
				if !isRel[r.ID] && pairKey(r.From, r.To) == pairKey(p.a.actor.ID, p.b.actor.ID) {
					kinds = append(kinds, changeEnded)
					notes = append(notes, t.relations[r.Type]+": "+t.ended)
				}
			}
		}
		p.change = summary(kinds)
		if p.change == changeChanged {
			p.notes = notes
		}
		m.pairs = append(m.pairs, p)
	}
	for _, rels := range was {
		gone := slices.DeleteFunc(slices.Clone(rels), func(r mapdoc.Relation) bool { return isRel[r.ID] })
		if len(gone) == 0 || slices.ContainsFunc(m.pairs, func(p *egoPair) bool {
			return pairKey(p.a.actor.ID, p.b.actor.ID) == pairKey(gone[0].From, gone[0].To)
		}) {
			continue
		}
		p := m.newPair(gone)
		p.change = changeEnded
		m.pairs = append(m.pairs, p)
	}
	m.title = fmt.Sprintf(t.changeTitle, m.personName(after), before.AsOf.String(), after.AsOf.String())
	if o.Title != "" {
		m.title = clean(o.Title)
	}
	return m.write()
}

// summary is the change of a line from those of its relations: all the
// same, that one; mixed, changed.
func summary(kinds []change) change {
	if len(kinds) == 0 {
		return unchanged
	}
	for _, k := range kinds[1:] {
		if k != kinds[0] {
			return changeChanged
		}
	}
	return kinds[0]
}

// actorChanges names what changed in an actor: "importance: medium → high".
func actorChanges(old, cur mapdoc.Actor, t *texts) []string {
	var out []string
	add := func(field, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s %s %s", t.fieldNames[field], a, t.arrow, b))
		}
	}
	add("name", clean(old.Name), clean(cur.Name))
	add("sector", t.sectors[old.Sector], t.sectors[cur.Sector])
	add("kind", t.kinds[old.Kind], t.kinds[cur.Kind])
	scale := func(a *mapdoc.Assessment, f func(*mapdoc.Assessment) stakeholder.Scale) string {
		if a == nil {
			return t.scales[""]
		}
		return t.scales[f(a)]
	}
	importance := func(a *mapdoc.Assessment) stakeholder.Scale { return a.Importance }
	influence := func(a *mapdoc.Assessment) stakeholder.Scale { return a.Influence }
	add("importance", scale(old.Assessment, importance), scale(cur.Assessment, importance))
	add("influence", scale(old.Assessment, influence), scale(cur.Assessment, influence))
	return out
}

// relationChanges names what changed in a relation.
func relationChanges(old, cur mapdoc.Relation, t *texts) []string {
	var out []string
	add := func(field, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s %s %s", t.fieldNames[field], a, t.arrow, b))
		}
	}
	quality := func(q stakeholder.Quality) string {
		if q == "" {
			return t.scales[""]
		}
		return t.qualities[q]
	}
	yesNo := func(b bool) string {
		if b {
			return t.fieldNames["yes"]
		}
		return t.fieldNames["no"]
	}
	add("type", t.relations[old.Type], t.relations[cur.Type])
	add("quality", quality(old.Quality), quality(cur.Quality))
	add("formalised", yesNo(old.Formalised), yesNo(cur.Formalised))
	return out
}
