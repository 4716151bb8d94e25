package projection

import (
	"errors"
	"fmt"

	"github.com/dominikbraun/graph"
)

// Tie is the data of one edge of a map's graph: every relation active on
// the view's date between the two actors (several relations between a pair
// make one tie).
type Tie struct {
	Relations []Relation
}

// Graph returns the map on the view's date as a typed graph: actors as
// vertices (hashed by id), one undirected edge per pair of actors with an
// active relation, carrying those relations as its data. It is the typed
// model of one map; analytics over many maps use representations built
// for them (dominikbraun/graph copies the graph on every algorithm call).
func (v *View) Graph() (graph.Graph[string, Actor], error) {
	g := graph.New(func(a Actor) string { return a.ID })
	for _, a := range v.Actors {
		if err := g.AddVertex(a); err != nil {
			return nil, fmt.Errorf("projection: graph of %s: %w", v.MapID, err)
		}
	}
	for _, r := range v.ActiveRelations() {
		e, err := g.Edge(r.From, r.To)
		switch {
		case err == nil:
			t := e.Properties.Data.(Tie)
			t.Relations = append(t.Relations, r)
			if err := g.UpdateEdge(r.From, r.To, graph.EdgeData(t)); err != nil {
				return nil, fmt.Errorf("projection: graph of %s: %w", v.MapID, err)
			}
		case errors.Is(err, graph.ErrEdgeNotFound):
			if err := g.AddEdge(r.From, r.To, graph.EdgeData(Tie{Relations: []Relation{r}})); err != nil {
				return nil, fmt.Errorf("projection: graph of %s: relation %s: %w", v.MapID, r.ID, err)
			}
		default:
			return nil, fmt.Errorf("projection: graph of %s: %w", v.MapID, err)
		}
	}
	return g, nil
}
