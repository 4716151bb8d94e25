package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/date"
	"github.com/samspill/samspill/pkg/problem"
)

// Micro service identity; queries live at samspill.query.<name>.
const (
	MicroName     = "samspill-graph"
	MicroVersion  = "1.0.0"
	SubjectPrefix = "samspill.query"
)

func status(err error) (int, *Error) {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == "not-found" {
			return http.StatusNotFound, e
		}
		return http.StatusBadRequest, e
	}
	return http.StatusInternalServerError, &Error{Code: "internal", Message: "the query could not be answered"}
}

// endpoint decodes a JSON query strictly and answers it.
func endpoint[Q any, A any](f func(context.Context, Q) (A, error)) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, body []byte) (any, error) {
		var q Q
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			return nil, invalid("", "query is not valid JSON of its kind: %v", err)
		}
		return f(ctx, q)
	}
}

// AddMicro registers the queries as the NATS micro service samspill-graph.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: MicroName, Version: MicroVersion,
		Description: "Samspill graph queries: maps on any date, changes, neighbourhoods, system-wide graphs"})
	if err != nil {
		return nil, fmt.Errorf("graph: add micro service: %w", err)
	}
	g := svc.AddGroup(SubjectPrefix)
	for name, f := range map[string]func(context.Context, []byte) (any, error){
		"map":           endpoint(s.Map),
		"changes":       endpoint(s.Changes),
		"neighbourhood": endpoint(s.Neighbourhood),
		"system":        endpoint(s.System),
		"bundle":        endpoint(s.Bundle),
	} {
		h := micro.HandlerFunc(func(req micro.Request) {
			ans, err := f(ctx, req.Data())
			if err != nil {
				st, e := status(err)
				body, _ := json.Marshal(e)
				_ = req.Error(strconv.Itoa(st), e.Error(), body)
				return
			}
			_ = req.RespondJSON(ans)
		})
		if err := g.AddEndpoint(name, h); err != nil {
			return nil, fmt.Errorf("graph: add endpoint %s: %w", name, err)
		}
	}
	return svc, nil
}

// Handler serves the queries over HTTP:
//
//	GET /v1/maps?municipality=
//	GET /v1/maps/{mapId}?at=&knownAt=
//	GET /v1/maps/{mapId}/changes?from=&to=&knownAt=
//	GET /v1/maps/{mapId}/actors/{actor}/neighbourhood?depth=&at=&knownAt=
//	GET /v1/areas/{municipality}/system?at=&k=
//	GET /v1/areas/{municipality}/bundle?at=&knownAt=
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, r *http.Request, ans any, err error) {
		if err != nil {
			st, e := status(err)
			problem.Write(w, r, problem.New(st, e.Code, e.Field, e.Message))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ans)
	}
	mux.HandleFunc("GET /v1/maps", func(w http.ResponseWriter, r *http.Request) {
		ans, err := s.Maps(r.Context(), r.URL.Query().Get("municipality"))
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) {
		q := MapQuery{MapID: r.PathValue("mapId")}
		err := params(r, map[string]any{"at": &q.At, "knownAt": &q.KnownAt})
		if err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Map(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/maps/{mapId}/changes", func(w http.ResponseWriter, r *http.Request) {
		q := ChangesQuery{MapID: r.PathValue("mapId")}
		if err := params(r, map[string]any{"from": &q.From, "to": &q.To, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Changes(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/maps/{mapId}/actors/{actor}/neighbourhood", func(w http.ResponseWriter, r *http.Request) {
		q := NeighbourhoodQuery{MapID: r.PathValue("mapId"), Actor: r.PathValue("actor")}
		if err := params(r, map[string]any{"depth": &q.Depth, "at": &q.At, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Neighbourhood(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/bundle", func(w http.ResponseWriter, r *http.Request) {
		q := BundleQuery{Municipality: r.PathValue("municipality")}
		if err := params(r, map[string]any{"at": &q.At, "knownAt": &q.KnownAt}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.Bundle(r.Context(), q)
		answer(w, r, ans, err)
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/system", func(w http.ResponseWriter, r *http.Request) {
		q := SystemQuery{Municipality: r.PathValue("municipality")}
		if err := params(r, map[string]any{"at": &q.At, "k": &q.K}); err != nil {
			answer(w, r, nil, err)
			return
		}
		ans, err := s.System(r.Context(), q)
		answer(w, r, ans, err)
	})
	return mux
}

// params reads query parameters into dates, instants and integers,
// refusing unknown parameters and malformed values by name.
func params(r *http.Request, into map[string]any) error {
	for name, vals := range r.URL.Query() {
		dst, ok := into[name]
		if !ok {
			return invalid(name, "unknown query parameter")
		}
		v := vals[0]
		switch p := dst.(type) {
		case *date.Date:
			d, err := date.Parse(v)
			if err != nil {
				return invalid(name, "%v", err)
			}
			*p = d
		case *time.Time:
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				d, derr := date.Parse(v)
				if derr != nil {
					return invalid(name, "want an RFC 3339 time or a date: %v", err)
				}
				t = d.Time().Add(24*time.Hour - time.Nanosecond) // a date means "by the end of that day"
			}
			*p = t
		case *int:
			n, err := strconv.Atoi(v)
			if err != nil {
				return invalid(name, "want a whole number")
			}
			*p = n
		}
	}
	return nil
}
