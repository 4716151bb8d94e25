package graph

import (
	"context"
	"fmt"
	"net/http"

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
		if err := g.AddEndpoint(name, h); err != nil {
			return nil, fmt.Errorf("graph: add endpoint %s: %w", name, err)
		}
	}
	return svc, nil
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
	answer := func(w http.ResponseWriter, r *http.Request, ans any, err error) {
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		query.WriteJSON(w, ans)
	}
	mux.HandleFunc("GET /v1/maps", func(w http.ResponseWriter, r *http.Request) {
		var q MapsQuery
		if err := query.Params(r, map[string]any{"municipality": &q.Municipality, "openedBy": &q.OpenedBy}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Maps(r.Context(), q)
		answer(w, r, ans, err)
	})
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
