package graph

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/query"
)

// HistoryQuery asks for the events of one map.
type HistoryQuery struct {
	MapID string `json:"mapId"`
}

// HistoryEvent is one event of a map: its type and its two times, nothing
// of its content.
type HistoryEvent struct {
	// Version is the event's position in the log.
	Version uint64     `json:"version"`
	Type    event.Type `json:"type"`
	// ValidTime is the date the fact holds from; RecordedAt when it was
	// written to the log.
	ValidTime  date.Date `json:"validTime"`
	RecordedAt time.Time `json:"recordedAt"`
}

// HistoryAnswer lists a map's events in log order and the distinct valid
// dates among them, sorted: the stops of a timeline slider. A correction
// recorded late but valid early shows as an early date.
type HistoryAnswer struct {
	MapID  string         `json:"mapId"`
	Events []HistoryEvent `json:"events"`
	Dates  []date.Date    `json:"dates"`
}

// History answers a HistoryQuery from the map's facts, as known now, for
// a principal the map is assigned to.
func (s *Service) History(ctx context.Context, q HistoryQuery) (*HistoryAnswer, error) {
	if err := s.readMap(ctx, opHistory, q.MapID); err != nil {
		return nil, err
	}
	if !event.IsUUID(q.MapID) {
		return nil, query.Invalid("mapId", "%q is not a map id", q.MapID)
	}
	h, ok := s.store.History(q.MapID)
	if !ok {
		return nil, query.NotFound("mapId", "no map %s", q.MapID)
	}
	out := &HistoryAnswer{MapID: q.MapID, Events: make([]HistoryEvent, 0, len(h.Facts)), Dates: []date.Date{}}
	for _, f := range h.Facts {
		out.Events = append(out.Events, HistoryEvent{Version: f.Seq, Type: f.Data.EventType(), ValidTime: f.Valid, RecordedAt: f.Recorded})
		out.Dates = append(out.Dates, f.Valid)
	}
	slices.SortFunc(out.Dates, date.Date.Compare)
	out.Dates = slices.CompactFunc(out.Dates, func(a, b date.Date) bool { return a.Compare(b) == 0 })
	return out, nil
}

// serveHistory serves GET /v1/maps/{mapId}/history.
func (s *Service) serveHistory(w http.ResponseWriter, r *http.Request) {
	if err := query.Params(r, map[string]any{}); err != nil {
		query.WriteError(w, r, err)
		return
	}
	ans, err := s.History(r.Context(), HistoryQuery{MapID: r.PathValue("mapId")})
	if err != nil {
		query.WriteError(w, r, err)
		return
	}
	query.WriteJSON(w, ans)
}
