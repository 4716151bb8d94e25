package gap

import (
	"context"
	"slices"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/query"
)

// The operations of the audit trail: the NATS endpoints, which the HTTP
// routes answer as well.
const (
	opGaps       = "query.gaps"
	opPrevalence = "query.prevalence"
)

// Query asks for the open gaps of one map or of one municipality (its
// maps' gaps and its system-wide gaps), with the texts in Lang (en, the
// default, or nb).
type Query struct {
	MapID        string `json:"mapId,omitempty"`
	Municipality string `json:"municipality,omitempty"`
	Lang         string `json:"lang,omitempty"`
}

// OpenGap is an open gap as its opening described it, with the texts in
// one language. Actors are machine ids (map scope) or directory ids
// (system scope); the graph service's map query gives the names behind
// machine ids to those allowed to see them.
type OpenGap struct {
	GapID        string            `json:"gapId"`
	Rule         string            `json:"rule"`
	Scope        event.GapScope    `json:"scope"`
	MapID        string            `json:"mapId,omitempty"`
	Municipality string            `json:"municipality,omitempty"`
	Actors       []string          `json:"actors"`
	Severity     event.GapSeverity `json:"severity"`
	Explanation  string            `json:"explanation"`
	Next         string            `json:"next"`
	Source       string            `json:"source"`
	Details      map[string]any    `json:"details,omitempty"`
	// OpenedOn is the date the gap was found (its opening's evaluatedAt).
	OpenedOn date.Date `json:"openedOn"`
	// Position is the log position its opening rested on.
	Position uint64 `json:"position"`
}

// Answer lists the open gaps asked for.
type Answer struct {
	MapID        string    `json:"mapId,omitempty"`
	Municipality string    `json:"municipality,omitempty"`
	Lang         string    `json:"lang"`
	Gaps         []OpenGap `json:"gaps"`
}

// Gaps answers a Query from the gaps the service has published (or read
// from SAMSPILL_GAPS). A map's gaps are for a principal the map is
// assigned to, and are refused before the map is looked up; a
// municipality's for one who may read its aggregates. An unknown map or a
// municipality with no maps is not-found.
func (s *Service) Gaps(ctx context.Context, q Query) (*Answer, error) {
	if err := s.decide(ctx, q); err != nil {
		return nil, err
	}
	switch q.Lang {
	case "":
		q.Lang = "en"
	case "en", "nb":
	default:
		return nil, query.Invalid("lang", "%q is not en or nb", q.Lang)
	}
	var list []event.GapOpened
	switch {
	case q.MapID != "" && q.Municipality != "":
		return nil, query.Invalid("municipality", "ask for a map or a municipality, not both")
	case q.MapID != "":
		if !event.IsUUID(q.MapID) {
			return nil, query.Invalid("mapId", "%q is not a map id", q.MapID)
		}
		s.mu.Lock()
		_, known := s.maps[q.MapID]
		s.mu.Unlock()
		list = s.ledger.openOfMap(q.MapID)
		if !known && len(list) == 0 {
			return nil, query.NotFound("mapId", "no map %s", q.MapID)
		}
	case q.Municipality != "":
		if !event.IsMunicipality(q.Municipality) {
			return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
		}
		list = s.ledger.openOfArea(q.Municipality, false)
		if len(list) == 0 && !s.knownArea(q.Municipality) {
			return nil, query.NotFound("municipality", "no maps in municipality %s", q.Municipality)
		}
	default:
		return nil, query.Invalid("mapId", "ask for a mapId or a municipality")
	}
	out := &Answer{MapID: q.MapID, Municipality: q.Municipality, Lang: q.Lang, Gaps: make([]OpenGap, 0, len(list))}
	for _, g := range list {
		out.Gaps = append(out.Gaps, OpenGap{GapID: g.GapID, Rule: g.Rule, Scope: g.Scope, MapID: g.MapID, Municipality: g.Municipality,
			Actors: slices.Clone(g.Actors), Severity: g.Severity, Explanation: in(g.Explanation, q.Lang), Next: in(g.Next, q.Lang),
			Source: g.Source, Details: g.Details, OpenedOn: g.EvaluatedAt, Position: g.Position})
	}
	return out, nil
}

// decide asks the guard whether the principal of ctx may read what q asks
// for: a map, or an area's aggregates. A query that names neither, or
// both, is refused as invalid by Gaps, once a principal is known.
func (s *Service) decide(ctx context.Context, q Query) error {
	var err error
	switch {
	case q.MapID != "" && q.Municipality == "":
		_, err = s.guard.Check(ctx, opGaps, access.Read, access.Map(q.MapID))
	case q.Municipality != "" && q.MapID == "":
		_, err = s.guard.Check(ctx, opGaps, access.Read, access.Area(q.Municipality))
	default:
		if _, ok := access.FromContext(ctx); !ok {
			err = access.ErrUnauthenticated
		}
	}
	return err
}

func in(t event.GapText, lang string) string {
	if lang == "nb" {
		return t.NB
	}
	return t.EN
}

func (s *Service) knownArea(municipality string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.maps {
		if m.municipality == municipality {
			return true
		}
	}
	return false
}
