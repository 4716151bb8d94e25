package gap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/problem"
)

// Micro service identity; the query lives at samspill.query.gaps.
const (
	MicroName    = "samspill-gap"
	MicroVersion = "1.0.0"
	QuerySubject = "samspill.query.gaps"
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

// AddMicro registers the query as the NATS micro service samspill-gap,
// endpoint samspill.query.gaps: a JSON Query in, an Answer out, or an error
// whose Nats-Service-Error-Code is the HTTP status.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: MicroName, Version: MicroVersion,
		Description: "Samspill coordination gaps: the gaps open now on a map or in a municipality"})
	if err != nil {
		return nil, fmt.Errorf("gap: add micro service: %w", err)
	}
	h := micro.HandlerFunc(func(req micro.Request) {
		var q Query
		dec := json.NewDecoder(bytes.NewReader(req.Data()))
		dec.DisallowUnknownFields()
		var ans *Answer
		err := dec.Decode(&q)
		if err != nil {
			err = invalid("", "query is not valid JSON of its kind: %v", err)
		} else {
			ans, err = s.Gaps(ctx, q)
		}
		if err != nil {
			st, e := status(err)
			body, _ := json.Marshal(e)
			_ = req.Error(strconv.Itoa(st), e.Error(), body)
			return
		}
		_ = req.RespondJSON(ans)
	})
	if err := svc.AddEndpoint("gaps", h, micro.WithEndpointSubject(QuerySubject)); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("gap: add endpoint: %w", err)
	}
	return svc, nil
}

// Handler serves the query over HTTP, with RFC 9457 problem details on
// error:
//
//	GET /v1/maps/{mapId}/gaps?lang=en|nb
//	GET /v1/areas/{municipality}/gaps?lang=en|nb
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request, q Query) {
		for name, vals := range r.URL.Query() {
			if name != "lang" {
				writeErr(w, r, invalid(name, "unknown query parameter"))
				return
			}
			q.Lang = vals[0]
		}
		ans, err := s.Gaps(r.Context(), q)
		if err != nil {
			writeErr(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ans)
	}
	mux.HandleFunc("GET /v1/maps/{mapId}/gaps", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, Query{MapID: r.PathValue("mapId")})
	})
	mux.HandleFunc("GET /v1/areas/{municipality}/gaps", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, Query{Municipality: r.PathValue("municipality")})
	})
	return mux
}

func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	st, e := status(err)
	problem.Write(w, r, problem.New(st, e.Code, e.Field, e.Message))
}
