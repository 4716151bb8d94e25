package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// MapsQuery asks for the maps of a municipality (all when empty), or only
// those opened by one principal. What the list holds depends on who asks
// (see Maps).
type MapsQuery struct {
	Municipality string `json:"municipality,omitempty"`
	// OpenedBy is the pseudonymous id of the user who opened the map
	// ("user:kari.nordmann"). It filters an administrator's list; a
	// coordinator's list is the maps assigned to them whatever it says.
	OpenedBy string `json:"openedBy,omitempty"`
}

// MapSummary lists a map. It holds no personal data, except Label, which
// is given only in a coordinator's own list.
type MapSummary struct {
	MapID        string                `json:"mapId"`
	Focus        stakeholder.FocusKind `json:"focus"`
	Municipality string                `json:"municipality,omitempty"`
	Version      uint64                `json:"version"`
	Closed       bool                  `json:"closed,omitempty"`
	Erased       bool                  `json:"erased,omitempty"`
	// OpenedBy is the principal of the map's open_map event (empty when
	// it named none).
	OpenedBy string `json:"openedBy,omitempty"`
	// Opened is the valid date the map was opened on.
	Opened date.Date `json:"opened"`
	// UpdatedAt is the record time of the map's last event.
	UpdatedAt time.Time `json:"updatedAt"`
	// Label is the map's display name ("Ola N."), "[erased]" for an
	// erased map; only in a coordinator's own list.
	Label string `json:"label,omitempty"`
	// Assigned are the principals of the coordinators the map is assigned
	// to (its opener, and those granted access, less those revoked), in
	// an administrator's list only: they manage the assignments.
	Assigned []string `json:"assigned,omitempty"`
}

// Maps answers a MapsQuery: the maps open today (closed ones too), sorted
// by id. A coordinator gets the maps assigned to them, with their labels
// (OpenedBy is not asked: the assignment decides); an administrator every
// map, without labels, with the principals each is assigned to; an
// integration whose grant covers maps.read every map without labels or
// assignments. An analyst is refused.
func (s *Service) Maps(ctx context.Context, q MapsQuery) ([]MapSummary, error) {
	p, err := s.guard.Check(ctx, opMaps, access.Read, access.Maps)
	if err != nil {
		return nil, err
	}
	if q.Municipality != "" && !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.OpenedBy != "" && !event.IsPrincipal(q.OpenedBy) {
		return nil, query.Invalid("openedBy", "is not a principal: 1–128 of A–Z, a–z, 0–9 and . _ : @ -")
	}
	own := p.Role == access.Coordinator
	include := func(h *projection.History) bool { return q.OpenedBy == "" || h.OpenedBy == q.OpenedBy }
	if own {
		include = func(h *projection.History) bool { return h.IsAssigned(p.Subject) }
	}
	today := s.today()
	out := []MapSummary{}
	for _, id := range s.store.Maps() {
		h, ok := s.store.History(id)
		if !ok || !include(h) {
			continue
		}
		v, ok := h.View(today, time.Time{})
		if !ok || q.Municipality != "" && v.Focus.Municipality != q.Municipality {
			continue
		}
		m := MapSummary{MapID: id, Focus: v.Focus.Kind, Municipality: v.Focus.Municipality, Version: v.Version, Closed: v.Closed,
			Erased: v.Erased, OpenedBy: h.OpenedBy, Opened: v.Opened, UpdatedAt: h.Updated()}
		switch {
		case own && v.Erased:
			m.Label = seal.ErasedText // never ask for an erased map's key
		case own && v.Focus.Label != "":
			label, err := s.keys.Reveal(ctx, id, v.Focus.Label)
			if err != nil {
				return nil, fmt.Errorf("graph: label of map %s: %w", id, err)
			}
			m.Label = label
		case p.Role == access.Admin:
			m.Assigned = append([]string{}, h.Assigned...)
		}
		out = append(out, m)
	}
	return out, nil
}
