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

func actorFields(a, b Actor) []string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("kind", a.Kind != b.Kind)
	add("level", a.Level != b.Level)
	add("sector", a.Sector != b.Sector)
	add("name", a.Name != b.Name)
	add("directory", a.Directory != b.Directory)
	x, y := a.Assessment, b.Assessment
	add("importance", x.Importance != y.Importance)
	add("influence", x.Influence != y.Influence)
	add("public", x.Public != y.Public)
	add("linkage", x.Linkage != y.Linkage)
	add("attitude", x.Attitude != y.Attitude)
	add("role", x.Role != y.Role)
	add("whatMatters", x.WhatMatters != y.WhatMatters)
	return f
}

func relationFields(a, b Relation) []string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("quality", a.Quality != b.Quality)
	add("formalised", a.Formalised != b.Formalised)
	add("trust", a.Trust != b.Trust)
	add("value", a.Value != b.Value)
	add("inpatient", a.Inpatient != b.Inpatient)
	add("contacts", len(a.Contacts) != len(b.Contacts))
	return f
}
