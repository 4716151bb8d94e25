package graph

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/export"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/projection"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/region"
)

// MapQuery asks for a map on a date as known at a moment.
type MapQuery struct {
	MapID string `json:"mapId"`
	// IDs chooses the document's ids: "document" (default: an imported
	// map keeps the ids of the document it came from) or "machine" (the
	// ids commands and gap events use, for clients that edit the map).
	IDs string `json:"ids,omitempty"`
	// At is the valid date (default today).
	At date.Date `json:"at,omitzero"`
	// KnownAt is the record time (default now).
	KnownAt time.Time `json:"knownAt,omitzero"`
}

// MapAnswer is a map as a map document, with the log position it reflects.
type MapAnswer struct {
	Version  uint64           `json:"version"`
	Erased   bool             `json:"erased,omitempty"`
	Document *mapdoc.Document `json:"document"`
}

func (s *Service) view(mapID string, at date.Date, knownAt time.Time) (*projection.View, error) {
	if !event.IsUUID(mapID) {
		return nil, query.Invalid("mapId", "%q is not a map id", mapID)
	}
	if at.IsZero() {
		at = s.today()
	}
	v, err := s.store.View(mapID, at, knownAt)
	if errors.Is(err, projection.ErrNotFound) {
		return nil, query.NotFound("mapId", "no map %s on %s as known then", mapID, at)
	}
	return v, err
}

// Map answers a MapQuery for a principal the map is assigned to.
func (s *Service) Map(ctx context.Context, q MapQuery) (*MapAnswer, error) {
	if err := s.readMap(ctx, opMap, q.MapID); err != nil {
		return nil, err
	}
	v, err := s.view(q.MapID, q.At, q.KnownAt)
	if err != nil {
		return nil, err
	}
	var doc *mapdoc.Document
	switch q.IDs {
	case "", "document":
		doc, err = export.Map(ctx, v, s.keys)
	case "machine":
		doc, err = export.MapMachineIDs(ctx, v, s.keys)
	default:
		return nil, query.Invalid("ids", "%q: want document or machine", q.IDs)
	}
	if err != nil {
		return nil, err
	}
	return &MapAnswer{Version: v.Version, Erased: v.Erased, Document: doc}, nil
}

// ChangesQuery asks what changed on a map between two dates.
type ChangesQuery struct {
	MapID   string    `json:"mapId"`
	From    date.Date `json:"from"`
	To      date.Date `json:"to,omitzero"`
	KnownAt time.Time `json:"knownAt,omitzero"`
}

// ChangeItem is a change named by the document-local ids of the map.
type ChangeItem struct {
	Kind     string   `json:"kind"`
	Actor    string   `json:"actor,omitempty"`
	Relation string   `json:"relation,omitempty"`
	Fields   []string `json:"fields,omitempty"`
}

// ChangesAnswer lists the changes between two views.
type ChangesAnswer struct {
	From    date.Date    `json:"from"`
	To      date.Date    `json:"to"`
	Changes []ChangeItem `json:"changes"`
}

// Changes answers a ChangesQuery for a principal the map is assigned to.
func (s *Service) Changes(ctx context.Context, q ChangesQuery) (*ChangesAnswer, error) {
	if err := s.readMap(ctx, opChanges, q.MapID); err != nil {
		return nil, err
	}
	if q.From.IsZero() {
		return nil, query.Invalid("from", "is required")
	}
	if q.To.IsZero() {
		q.To = s.today()
	}
	if q.To.Before(q.From) {
		return nil, query.Invalid("to", "%s is before from (%s)", q.To, q.From)
	}
	to, err := s.view(q.MapID, q.To, q.KnownAt)
	if err != nil {
		return nil, err
	}
	from, err := s.view(q.MapID, q.From, q.KnownAt)
	if errors.Is(err, query.ErrNotFound) {
		from = &projection.View{MapID: q.MapID, At: q.From} // the map did not exist yet: everything is new
	} else if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, v := range []*projection.View{from, to} {
		if len(v.Actors) == 0 && len(v.Relations) == 0 {
			continue
		}
		_, m, err := export.MapWithIDs(ctx, v, s.keys)
		if err != nil {
			return nil, err
		}
		for k, l := range m {
			ids[k] = l
		}
	}
	out := &ChangesAnswer{From: q.From, To: q.To, Changes: []ChangeItem{}}
	for _, c := range projection.Changes(from, to) {
		out.Changes = append(out.Changes, ChangeItem{Kind: c.Kind, Actor: ids[c.Actor], Relation: ids[c.Relation], Fields: c.Fields})
	}
	return out, nil
}

// NeighbourhoodQuery asks for the actors within Depth ties of an actor.
type NeighbourhoodQuery struct {
	MapID string `json:"mapId"`
	// Actor is the actor's id in the map document.
	Actor   string    `json:"actor"`
	Depth   int       `json:"depth,omitempty"`
	At      date.Date `json:"at,omitzero"`
	KnownAt time.Time `json:"knownAt,omitzero"`
}

// Neighbour is an actor near the one asked about.
type Neighbour struct {
	mapdoc.Actor
	Distance int `json:"distance"`
}

// NeighbourhoodAnswer holds the neighbours and the active relations among
// them and the actor.
type NeighbourhoodAnswer struct {
	Actor      string            `json:"actor"`
	Neighbours []Neighbour       `json:"neighbours"`
	Relations  []mapdoc.Relation `json:"relations"`
}

// MaxDepth bounds a neighbourhood query.
const MaxDepth = 4

// Neighbourhood answers a NeighbourhoodQuery over the map's graph on the
// date (projection.View.Graph: one undirected tie per pair of actors with
// an active relation), for a principal the map is assigned to.
func (s *Service) Neighbourhood(ctx context.Context, q NeighbourhoodQuery) (*NeighbourhoodAnswer, error) {
	if err := s.readMap(ctx, opNeighbourhood, q.MapID); err != nil {
		return nil, err
	}
	if q.Depth == 0 {
		q.Depth = 1
	}
	if q.Depth < 1 || q.Depth > MaxDepth {
		return nil, query.Invalid("depth", "%d is outside 1–%d", q.Depth, MaxDepth)
	}
	v, err := s.view(q.MapID, q.At, q.KnownAt)
	if err != nil {
		return nil, err
	}
	doc, ids, err := export.MapWithIDs(ctx, v, s.keys)
	if err != nil {
		return nil, err
	}
	start := ""
	for machine, local := range ids {
		if local == q.Actor {
			if _, ok := v.Actor(machine); ok {
				start = machine
			}
		}
	}
	if start == "" {
		return nil, query.NotFound("actor", "no actor %q on this map", q.Actor)
	}
	g, err := v.Graph()
	if err != nil {
		return nil, err
	}
	adj, err := g.AdjacencyMap()
	if err != nil {
		return nil, err
	}
	// Level by level: graph.BFSWithDepth counts visits, not levels.
	dist := map[string]int{ids[start]: 0}
	frontier := []string{start}
	for d := 1; d <= q.Depth && len(frontier) > 0; d++ {
		var next []string
		for _, u := range frontier {
			for w := range adj[u] {
				if _, seen := dist[ids[w]]; !seen {
					dist[ids[w]] = d
					next = append(next, w)
				}
			}
		}
		frontier = next
	}
	out := &NeighbourhoodAnswer{Actor: q.Actor, Neighbours: []Neighbour{}, Relations: []mapdoc.Relation{}}
	for _, a := range doc.Actors {
		if d, ok := dist[a.ID]; ok && d > 0 {
			out.Neighbours = append(out.Neighbours, Neighbour{Actor: a, Distance: d})
		}
	}
	slices.SortStableFunc(out.Neighbours, func(a, b Neighbour) int { return a.Distance - b.Distance })
	for _, r := range doc.Relations {
		_, f := dist[r.From]
		_, t := dist[r.To]
		if f && t && doc.ActiveAt(r, doc.AsOf) {
			out.Relations = append(out.Relations, r)
		}
	}
	return out, nil
}

// SystemQuery asks for the system-wide graph of a municipality.
type SystemQuery struct {
	Municipality string    `json:"municipality"`
	At           date.Date `json:"at,omitzero"`
	K            int       `json:"k,omitempty"`
}

// System answers a SystemQuery for a principal who may read the area's
// aggregates (an empty municipality is every municipality's).
func (s *Service) System(ctx context.Context, q SystemQuery) (*region.Graph, error) {
	if err := s.readArea(ctx, opSystem, q.Municipality); err != nil {
		return nil, err
	}
	if q.Municipality != "" && !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.K < 0 {
		return nil, query.Invalid("k", "must be positive")
	}
	if q.At.IsZero() {
		q.At = s.today()
	}
	g := region.Build(s.store, region.Query{Municipality: q.Municipality, At: q.At, K: q.K})
	return &g, nil
}

// BundleQuery asks for a region export: the directory, the municipality's
// organisation map and its citizen maps, as one bundle.
type BundleQuery struct {
	Municipality string    `json:"municipality"`
	At           date.Date `json:"at,omitzero"`
	KnownAt      time.Time `json:"knownAt,omitzero"`
}

// Bundle answers a BundleQuery. The bundle holds every citizen map's
// structure, one by one: microdata, not an aggregate, so only a principal
// allowed to read access.Bundle of the municipality gets it (an
// integration granted bundle.<municipality>.read).
func (s *Service) Bundle(ctx context.Context, q BundleQuery) (*mapdoc.Bundle, error) {
	if _, err := s.guard.Check(ctx, opBundle, access.Read, access.Bundle(q.Municipality)); err != nil {
		return nil, err
	}
	if !event.IsMunicipality(q.Municipality) {
		return nil, query.Invalid("municipality", "%q is not a municipality number", q.Municipality)
	}
	if q.At.IsZero() {
		q.At = s.today()
	}
	org, citizens := s.store.AreaMaps(q.Municipality, nil, q.At, q.KnownAt)
	return export.Bundle(ctx, s.store, s.keys, org, citizens, q.At, q.KnownAt)
}
