package projection

import "github.com/samspill/samspill/pkg/stakeholder"

// WorkingTieWindow is how recent the last contact of a collaborating
// relation must be for it to count as a working tie (domain.md: 90 days).
const WorkingTieWindow = 90

// Services returns A(C): the actors other than the citizen, of any sector
// but citizen and informal, with an active serves relation with the citizen
// (either direction) on the view's date. Order follows v.Actors.
func (v *View) Services() []Actor {
	if v.Citizen == "" {
		return nil
	}
	serving := map[string]bool{}
	for _, r := range v.Relations {
		if r.Type != stakeholder.RelServes || !r.Active(v.At) {
			continue
		}
		switch v.Citizen {
		case r.To:
			serving[r.From] = true
		case r.From:
			serving[r.To] = true
		}
	}
	var out []Actor
	for _, a := range v.Actors {
		if serving[a.ID] && a.Sector.IsService() {
			out = append(out, a)
		}
	}
	return out
}

// WorkingTie reports whether u and v have a working tie on the view's date
// (domain.md): an active collaborates, coordinates, refers or informs
// relation between them whose last contact is within window days, or both
// being active members of one forum (of the plan's forum only while the
// plan is active).
func (v *View) WorkingTie(a, b string, window int) bool {
	forums := map[string]bool{}
	for _, r := range v.Relations {
		if !r.Active(v.At) {
			continue
		}
		between := (r.From == a && r.To == b) || (r.From == b && r.To == a)
		if between && r.Type.IsWorkingTie() && v.At.DaysSince(r.LastContact()) <= window {
			return true
		}
		if r.Type == stakeholder.RelMemberOf && r.From == a {
			forums[r.To] = true
		}
	}
	for _, r := range v.Relations {
		if r.Type == stakeholder.RelMemberOf && r.From == b && r.Active(v.At) && forums[r.To] {
			if r.To == v.Plan.Actor && v.Plan.Status != stakeholder.PlanActive {
				continue
			}
			return true
		}
	}
	return false
}

// Change is one difference between two views of a map.
type Change struct {
	// Kind is actor-added, actor-removed, actor-changed, relation-added,
	// relation-ended or relation-changed.
	Kind     string `json:"kind"`
	Actor    string `json:"actor,omitempty"`
	Relation string `json:"relation,omitempty"`
	// Fields names what changed, for the -changed kinds.
	Fields []string `json:"fields,omitempty"`
}

// Changes lists what happened to a map between two views of it: actors
// added and removed, relations added and ended, and what changed in those
// present in both. Relations count as present when active on the view's date.
func Changes(from, to *View) []Change {
	var out []Change
	before := map[string]Actor{}
	for _, a := range from.Actors {
		before[a.ID] = a
	}
	after := map[string]bool{}
	for _, a := range to.Actors {
		after[a.ID] = true
		old, ok := before[a.ID]
		if !ok {
			out = append(out, Change{Kind: "actor-added", Actor: a.ID})
			continue
		}
		if f := actorFields(old, a); len(f) > 0 {
			out = append(out, Change{Kind: "actor-changed", Actor: a.ID, Fields: f})
		}
	}
	for _, a := range from.Actors {
		if !after[a.ID] {
			out = append(out, Change{Kind: "actor-removed", Actor: a.ID})
		}
	}
	rbefore := map[string]Relation{}
	for _, r := range from.Relations {
		if r.Active(from.At) {
			rbefore[r.ID] = r
		}
	}
	rafter := map[string]bool{}
	for _, r := range to.Relations {
		if !r.Active(to.At) {
			continue
		}
		rafter[r.ID] = true
		old, ok := rbefore[r.ID]
		if !ok {
			out = append(out, Change{Kind: "relation-added", Relation: r.ID})
			continue
		}
		if f := relationFields(old, r); len(f) > 0 {
			out = append(out, Change{Kind: "relation-changed", Relation: r.ID, Fields: f})
		}
	}
	for _, r := range from.Relations {
		if r.Active(from.At) && !rafter[r.ID] {
			out = append(out, Change{Kind: "relation-ended", Relation: r.ID})
		}
	}
	return out
}

// field names one compared field and whether it differs.
type field struct {
	name    string
	changed bool
}

// changed returns the names of the fields that differ.
func changed(fs ...field) []string {
	var out []string
	for _, f := range fs {
		if f.changed {
			out = append(out, f.name)
		}
	}
	return out
}

func actorFields(a, b Actor) []string {
	x, y := a.Assessment, b.Assessment
	return changed(
		field{"kind", a.Kind != b.Kind}, field{"level", a.Level != b.Level}, field{"sector", a.Sector != b.Sector},
		field{"name", a.Name != b.Name}, field{"directory", a.Directory != b.Directory},
		field{"importance", x.Importance != y.Importance}, field{"influence", x.Influence != y.Influence},
		field{"public", x.Public != y.Public}, field{"linkage", x.Linkage != y.Linkage}, field{"attitude", x.Attitude != y.Attitude},
		field{"role", x.Role != y.Role}, field{"whatMatters", x.WhatMatters != y.WhatMatters},
	)
}

func relationFields(a, b Relation) []string {
	return changed(
		field{"quality", a.Quality != b.Quality}, field{"formalised", a.Formalised != b.Formalised},
		field{"trust", a.Trust != b.Trust}, field{"value", a.Value != b.Value},
		field{"inpatient", a.Inpatient != b.Inpatient}, field{"contacts", len(a.Contacts) != len(b.Contacts)},
	)
}
