package graph

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/seal"
	"github.com/samspill/samspill/pkg/stakeholder"
)

// principalPattern is the form of a principal, as the command service
// accepts it in the Samspill-Principal header and the event envelope
// carries it.
var principalPattern = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)

// MapsQuery asks for the maps of a municipality (all when empty), or only
// those opened by one principal: a coordinator's own list.
type MapsQuery struct {
	Municipality string `json:"municipality,omitempty"`
	// OpenedBy is the pseudonymous id of the user who opened the map
	// ("user:kari.nordmann").
	OpenedBy string `json:"openedBy,omitempty"`
}

// MapSummary lists a map. It holds no personal data, except Label, which
// is given only in a coordinator's own list (a query by OpenedBy).
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
	// erased map; only when the query named OpenedBy.
	Label string `json:"label,omitempty"`
}

// Maps answers a MapsQuery: the maps open today (closed ones too), sorted
// by id.
func (s *Service) Maps(ctx context.Context, q MapsQuery) ([]MapSummary, error) {
	if q.Municipality != "" && !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.OpenedBy != "" && !principalPattern.MatchString(q.OpenedBy) {
		return nil, query.Invalid("openedBy", "is not a principal: 1–128 of A–Z, a–z, 0–9 and . _ : @ -")
	}
	today := s.today()
	out := []MapSummary{}
	for _, id := range s.store.Maps() {
		h, ok := s.store.History(id)
		if !ok || q.OpenedBy != "" && h.OpenedBy != q.OpenedBy {
			continue
		}
		v, ok := h.View(today, time.Time{})
		if !ok || q.Municipality != "" && v.Focus.Municipality != q.Municipality {
			continue
		}
		m := MapSummary{MapID: id, Focus: v.Focus.Kind, Municipality: v.Focus.Municipality, Version: v.Version, Closed: v.Closed,
			Erased: v.Erased, OpenedBy: h.OpenedBy, Opened: v.Opened, UpdatedAt: h.Updated()}
		if q.OpenedBy != "" {
			switch {
			case v.Erased:
				m.Label = seal.ErasedText // never ask for an erased map's key
			case v.Focus.Label != "":
				label, err := s.keys.Reveal(ctx, id, v.Focus.Label)
				if err != nil {
					return nil, fmt.Errorf("graph: label of map %s: %w", id, err)
				}
				m.Label = label
			}
		}
		out = append(out, m)
	}
	return out, nil
}
