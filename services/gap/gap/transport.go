package gap

import (
	"context"
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/samspill/samspill/pkg/query"
)

// Micro service identity; the query lives at samspill.query.gaps.
const (
	MicroName    = "samspill-gap"
	MicroVersion = "1.0.0"
	QuerySubject = "samspill.query.gaps"
)

// AddMicro registers the query as the NATS micro service samspill-gap,
// endpoints samspill.query.gaps and samspill.query.prevalence: a JSON query
// in, its answer out, or an error whose Nats-Service-Error-Code is the HTTP
// status. Each request names its principal with an assertion (header
// Samspill-Assertion) that Config.Verifier checks.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: MicroName, Version: MicroVersion,
		Description: "Samspill coordination gaps: the gaps open now on a map or in a municipality"})
	if err != nil {
		return nil, fmt.Errorf("gap: add micro service: %w", err)
	}
	h := s.routed("gaps", query.Handler(ctx, s.cfg.Verifier, s.Gaps))
	if err := svc.AddEndpoint("gaps", h, micro.WithEndpointSubject(QuerySubject)); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("gap: add endpoint: %w", err)
	}
	if err := svc.AddEndpoint("prevalence", s.routed("prevalence", query.Handler(ctx, s.cfg.Verifier, s.Prevalence)), micro.WithEndpointSubject(PrevalenceSubject)); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("gap: add endpoint prevalence: %w", err)
	}
	// The endpoints answer once the server has their subscriptions: a
	// request sent on another connection right after AddMicro returned
	// could otherwise find no responders.
	if err := nc.Flush(); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("gap: add micro service: %w", err)
	}
	return svc, nil
}

// routed returns h as the public handler of endpoint name: in a
// partitioned instance, a question about a map or a municipality another
// instance holds goes there.
func (s *Service) routed(name string, h micro.Handler) micro.Handler {
	if s.part == nil {
		return h
	}
	return s.part.Micro(name, s.part.BodyKey, h)
}

// Serving reports whether a partitioned instance answers for partition
// key now (the only instance serves every key).
func (s *Service) Serving(key string) bool { return s.part == nil || s.part.Serving(key) }

// Handler serves the query over HTTP, with RFC 9457 problem details on
// error:
//
//	GET /v1/maps/{mapId}/gaps?lang=en|nb
//	GET /v1/areas/{municipality}/gaps?lang=en|nb
//	GET /v1/areas/{municipality}/prevalence?from=&to=&step=
//	GET /v1/areas/{municipality}/prevalence.csv?from=&to=&step=
//
// The principal of a request is the one its context carries: wrap the
// routes in access.HTTP, which authenticates the bearer assertion. Each
// route is decided and audited as its NATS query is.
func (s *Service) Handler() *query.Routes {
	mux := query.NewRoutes()
	if s.part != nil {
		mux.Wrap(s.part.Route)
	}
	serve := func(w http.ResponseWriter, r *http.Request, q Query) {
		if err := query.Params(r, map[string]any{"lang": &q.Lang}); err != nil {
			query.WriteError(w, r, err)
			return
		}
		ans, err := s.Gaps(r.Context(), q)
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		query.WriteJSON(w, ans)
	}
	mux.HandleFunc("GET /v1/maps/{mapId}/gaps", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, Query{MapID: r.PathValue("mapId")})
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/gaps", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, Query{Municipality: r.PathValue("municipality")})
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/prevalence", s.servePrevalence)
	mux.HandleFunc("GET /v1/areas/{municipality}/prevalence.csv", s.servePrevalenceCSV)
	return mux
}
