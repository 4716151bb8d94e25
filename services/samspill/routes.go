package main

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/schemas"
	"github.com/samspill/samspill/services/auth/auth"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/gap/gap"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/picture/picture"
)

// apiServices are what the HTTP API of samspill up is made of. Every
// field may be a zero value when only the route patterns are wanted (the
// route test): handlers are built without calling the services.
type apiServices struct {
	commands *command.Service
	graph    *graph.Service
	gaps     *gap.Service
	pictures *picture.Service
	auth     *auth.Service
	// healthy reports whether the process still reaches NATS.
	healthy func() bool
	// natsURL is the embedded NATS server's client URL, for the index.
	natsURL string
	// metrics, when set, serves the process's Prometheus registry at
	// GET /metrics.
	metrics http.Handler
}

// apiRoutes composes the HTTP API of samspill up: every service's routes,
// the health check, the JSON index and the OpenAPI document that
// describes all of them (schemas/openapi.yaml).
func apiRoutes(s apiServices) *query.Routes {
	mux := query.NewRoutes()
	mux.Mount(s.commands.Handler())
	mux.Mount(s.graph.Handler())
	mux.Mount(s.gaps.Handler())
	mux.Mount(s.pictures.Handler())
	mux.Mount(s.auth.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.healthy != nil && !s.healthy() {
			problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "unavailable", "", "NATS is out of reach"))
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(schemas.OpenAPI())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"service":  "samspill",
			"version":  version,
			"nats":     s.natsURL,
			"openapi":  "/openapi.yaml",
			"commands": "/v1/commands",
			"maps":     "/v1/maps",
			"areas":    "/v1/areas/{municipality}/system",
			"gaps":     "/v1/maps/{mapId}/gaps",
			"pictures": "/v1/maps/{mapId}/picture.svg",
			"docs":     "docs/events.md",
		})
	})
	return mux
}
