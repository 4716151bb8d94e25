package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/samspill/samspill/pkg/query"
)

// Micro service identity; queries live at samspill.query.<name>.
const (
	MicroName     = "samspill-graph"
	MicroVersion  = "1.0.0"
	SubjectPrefix = "samspill.query"
)

// AddMicro registers the queries as the NATS micro service samspill-graph.
// Each request names its principal with an assertion (header
// Samspill-Assertion) that Config.Verifier checks.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: MicroName, Version: MicroVersion,
		Description: "Samspill graph queries: maps on any date, changes, neighbourhoods, system-wide graphs"})
	if err != nil {
		return nil, fmt.Errorf("graph: add micro service: %w", err)
	}
	g := svc.AddGroup(SubjectPrefix)
	for name, h := range map[string]micro.Handler{
		"map":           query.Handler(ctx, s.cfg.Verifier, s.Map),
		"changes":       query.Handler(ctx, s.cfg.Verifier, s.Changes),
		"neighbourhood": query.Handler(ctx, s.cfg.Verifier, s.Neighbourhood),
		"system":        query.Handler(ctx, s.cfg.Verifier, s.System),
		"bundle":        query.Handler(ctx, s.cfg.Verifier, s.Bundle),
		"export":        s.exportHandler(ctx),
		"maps":          query.Handler(ctx, s.cfg.Verifier, s.Maps),
		"directory":     query.Handler(ctx, s.cfg.Verifier, s.Directory),
		"history":       query.Handler(ctx, s.cfg.Verifier, s.History),
		"matrix":        query.Handler(ctx, s.cfg.Verifier, s.Matrix),
	} {
		if err := g.AddEndpoint(name, s.routed(name, h)); err != nil {
			return nil, fmt.Errorf("graph: add endpoint %s: %w", name, err)
		}
	}
	// The endpoints answer once the server has their subscriptions: a
	// request sent on another connection right after AddMicro returned
	// could otherwise find no responders.
	if err := nc.Flush(); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("graph: add micro service: %w", err)
	}
	return svc, nil
}

// routed returns h as the public handler of endpoint name: in a
// partitioned instance, a question about a map or an area another
// instance holds goes there, and the list of maps is asked of every
// instance and merged.
func (s *Service) routed(name string, h micro.Handler) micro.Handler {
	switch {
	case s.part == nil || name == "directory":
		return h
	case name == "maps":
		return s.part.GatherMicro(name, h, mergeMaps)
	}
	return s.part.Micro(name, s.part.BodyKey, h)
}

// mergeMaps joins the lists of maps of several instances: one entry per
// map (the latest version, while a partition is being handed over and two
// hold it), sorted by id as each list is.
func mergeMaps(answers [][]byte) ([]byte, error) {
	byID := map[string]MapSummary{}
	for _, a := range answers {
		var list []MapSummary
		if err := json.Unmarshal(a, &list); err != nil {
			return nil, fmt.Errorf("graph: an instance's list of maps: %w", err)
		}
		for _, m := range list {
			if old, ok := byID[m.MapID]; !ok || m.Version > old.Version {
				byID[m.MapID] = m
			}
		}
	}
	out := make([]MapSummary, 0, len(byID))
	for _, m := range byID {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b MapSummary) int { return strings.Compare(a.MapID, b.MapID) })
	return json.Marshal(out)
}

// Handler serves the queries over HTTP:
//
//	GET /v1/maps?municipality=&openedBy=
//	GET /v1/directory?q=&municipality=&sector=&limit=
//	GET /v1/maps/{mapId}/history
//	GET /v1/areas/{municipality}/matrix?at=&k=
//	GET /v1/areas/{municipality}/matrix.csv?at=&k=
//	GET /v1/maps/{mapId}?at=&knownAt=
//	GET /v1/maps/{mapId}/changes?from=&to=&knownAt=
//	GET /v1/maps/{mapId}/actors/{actor}/neighbourhood?depth=&at=&knownAt=
//	GET /v1/areas/{municipality}/system?at=&k=
//	GET /v1/areas/{municipality}/bundle?at=&knownAt=
//
// The principal of a request is the one its context carries: wrap the
// routes in access.HTTP, which authenticates the bearer assertion. Each
// route is decided and audited as its NATS query is.
func (s *Service) Handler() *query.Routes {
	mux := query.NewRoutes()
	if s.part != nil {
		mux.Wrap(s.part.Route)
	}
	answer := func(w http.ResponseWriter, r *http.Request, ans any, err error) {
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		query.WriteJSON(w, ans)
	}
	mapsQuery := func(r *http.Request) (MapsQuery, error) {
		var q MapsQuery
		err := query.Params(r, map[string]any{"municipality": &q.Municipality, "openedBy": &q.OpenedBy})
		return q, err
	}
	maps := func(w http.ResponseWriter, r *http.Request) {
		q, err := mapsQuery(r)
		if err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Maps(r.Context(), q)
		answer(w, r, ans, err)
	}
	if s.part != nil {
		maps = s.part.GatherHTTP("maps", func(r *http.Request) ([]byte, error) {
			q, err := mapsQuery(r)
			if err != nil {
				return nil, err
			}
			return json.Marshal(q)
		}, maps, mergeMaps)
	}
	mux.HandleFunc("GET /v1/maps", maps)
	mux.HandleFunc("GET /v1/directory", s.serveDirectory)
	mux.HandleFunc("GET /v1/maps/{mapId}/history", s.serveHistory)
	mux.HandleFunc("GET /v1/areas/{municipality}/matrix", s.serveMatrix)
	mux.HandleFunc("GET /v1/areas/{municipality}/matrix.csv", s.serveMatrixCSV)
	mux.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) {
		q := MapQuery{MapID: r.PathValue("mapId")}
		err := query.Params(r, map[string]any{"at": &q.At, "knownAt": &q.KnownAt, "ids": &q.IDs})
		if err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Map(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/maps/{mapId}/changes", func(w http.ResponseWriter, r *http.Request) {
		q := ChangesQuery{MapID: r.PathValue("mapId")}
		if err := query.Params(r, map[string]any{"from": &q.From, "to": &q.To, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Changes(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/maps/{mapId}/actors/{actor}/neighbourhood", func(w http.ResponseWriter, r *http.Request) {
		q := NeighbourhoodQuery{MapID: r.PathValue("mapId"), Actor: r.PathValue("actor")}
		if err := query.Params(r, map[string]any{"depth": &q.Depth, "at": &q.At, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Neighbourhood(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/bundle", func(w http.ResponseWriter, r *http.Request) {
		q := BundleQuery{Municipality: r.PathValue("municipality")}
		if err := query.Params(r, map[string]any{"at": &q.At, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Bundle(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/system", func(w http.ResponseWriter, r *http.Request) {
		q := SystemQuery{Municipality: r.PathValue("municipality")}
		if err := query.Params(r, map[string]any{"at": &q.At, "k": &q.K}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.System(r.Context(), q)
		answer(w, r, ans, err)
	})
	s.handleExports(mux)
	return mux
}
