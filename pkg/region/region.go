// Package region builds the system-wide graph of a municipality or region:
// the organisations and services of the directory as vertices, and edges
// aggregated from the citizen maps of the area (how many citizens two
// organisations share, in how many of those maps they have a working tie)
// plus the formal agreements recorded on the area's municipality maps.
//
// # Privacy
//
// Aggregates never expose a citizen: a pair of organisations that share
// fewer than K citizens (default 5) has its counts suppressed, and an
// organisation seen in fewer than K maps has its caseload suppressed. A
// suppressed cell is absent, not zero, so it cannot be told apart from a
// pair that shares no one, except by the count of suppressed cells.
package region

import (
	"cmp"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// DefaultK is the smallest group of citizens an aggregate may show.
const DefaultK = 5

// Query selects an area and a date.
type Query struct {
	// Municipality selects maps whose focus municipality it is; empty
	// selects every map (the whole region the store holds).
	Municipality string
	At           date.Date
	// KnownAt is the record time: the region as the log stood then (zero:
	// as it stands now).
	KnownAt time.Time
	// K is the suppression threshold; 0 means DefaultK. Values below
	// DefaultK are raised to it.
	K int
}

// Organisation is a vertex: a directory entry.
type Organisation struct {
	projection.Entry
	// Citizens is how many of the area's citizen maps have it among A(C);
	// 0 when suppressed.
	Citizens   int  `json:"citizens,omitempty"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// Edge joins two organisations (A < B).
type Edge struct {
	A string `json:"a"`
	B string `json:"b"`
	// SharedCitizens is how many citizen maps have both among A(C).
	SharedCitizens int `json:"sharedCitizens,omitempty"`
	// CollaborationMaps is in how many of those they have a working tie.
	CollaborationMaps int `json:"collaborationMaps,omitempty"`
	// Agreement is true when an active agreement relation joins them on a
	// municipality or region map of the area.
	Agreement bool `json:"agreement,omitempty"`
	// Suppressed is true when the counts are under K and left out.
	Suppressed bool `json:"suppressed,omitempty"`
}

// Graph is the system-wide graph of an area.
type Graph struct {
	Municipality  string         `json:"municipality,omitempty"`
	At            date.Date      `json:"at"`
	K             int            `json:"k"`
	CitizenMaps   int            `json:"citizenMaps"`
	Organisations []Organisation `json:"organisations"`
	Edges         []Edge         `json:"edges"`
	// SuppressedCells counts organisation pairs whose counts are hidden.
	SuppressedCells int `json:"suppressedCells"`
}

type pair struct{ a, b string }

func orderedPair(a, b string) pair {
	if a > b {
		a, b = b, a
	}
	return pair{a, b}
}

// Build aggregates the store's maps for q. Erased maps count: their
// structure stays for statistics; closed maps do not.
func Build(st *projection.Store, q Query) Graph {
	k := max(q.K, DefaultK)
	// Empty lists, not nil: an area without ties answers [] (JSON), not null.
	g := Graph{Municipality: q.Municipality, At: q.At, K: k, Organisations: []Organisation{}, Edges: []Edge{}}
	caseload := map[string]int{}
	shared := map[pair]int{}
	collab := map[pair]int{}
	agreements := map[pair]bool{}
	for _, id := range st.Maps() {
		v, err := st.View(id, q.At, q.KnownAt)
		if err != nil || v.Closed {
			continue
		}
		if q.Municipality != "" && v.Focus.Municipality != q.Municipality {
			continue
		}
		switch v.Focus.Kind {
		case stakeholder.FocusCitizen:
			g.CitizenMaps++
			countCitizenMap(v, caseload, shared, collab)
		default:
			for _, r := range v.ActiveRelations() {
				if r.Type != stakeholder.RelAgreement {
					continue
				}
				a, _ := v.Actor(r.From)
				b, _ := v.Actor(r.To)
				if a.Directory != "" && b.Directory != "" && a.Directory != b.Directory {
					agreements[orderedPair(a.Directory, b.Directory)] = true
				}
			}
		}
	}
	involved := map[string]bool{}
	for p := range agreements {
		involved[p.a], involved[p.b] = true, true
	}
	for o := range caseload {
		involved[o] = true
	}
	for _, e := range st.Directory() {
		if !involved[e.ID] && (q.Municipality == "" || e.Municipality != q.Municipality) {
			continue
		}
		if !e.Retired.IsZero() && !e.Retired.After(q.At) && !involved[e.ID] {
			continue
		}
		o := Organisation{Entry: e}
		if n := caseload[e.ID]; n >= k {
			o.Citizens = n
		} else if n > 0 {
			o.Suppressed = true
		}
		g.Organisations = append(g.Organisations, o)
	}
	pairs := map[pair]bool{}
	for p := range shared {
		pairs[p] = true
	}
	for p := range agreements {
		pairs[p] = true
	}
	for p := range pairs {
		e := Edge{A: p.a, B: p.b, Agreement: agreements[p]}
		if n := shared[p]; n >= k {
			e.SharedCitizens, e.CollaborationMaps = n, collab[p]
		} else if n > 0 {
			e.Suppressed = true
			g.SuppressedCells++
			if !e.Agreement {
				continue // a suppressed pair without an agreement is not drawn at all
			}
		}
		g.Edges = append(g.Edges, e)
	}
	slices.SortFunc(g.Edges, func(x, y Edge) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	return g
}

// countCitizenMap adds one citizen map: each pair of organisations among
// A(C) shares this citizen; the pair collaborates here when their actors
// have a working tie.
func countCitizenMap(v *projection.View, caseload map[string]int, shared, collab map[pair]int) {
	services := v.Services()
	orgs := make([]projection.Actor, 0, len(services))
	seen := map[string]bool{}
	for _, a := range services {
		if a.Directory != "" && !seen[a.Directory] {
			seen[a.Directory] = true
			orgs = append(orgs, a)
		}
	}
	for i, a := range orgs {
		caseload[a.Directory]++
		for _, b := range orgs[i+1:] {
			p := orderedPair(a.Directory, b.Directory)
			shared[p]++
			if v.WorkingTie(a.ID, b.ID, projection.WorkingTieWindow) {
				collab[p]++
			}
		}
	}
}
