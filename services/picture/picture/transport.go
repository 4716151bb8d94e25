package picture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/draw"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/render"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Micro service identity; the endpoints are samspill.render.map,
// samspill.render.changes and samspill.render.area.
const (
	MicroName     = "samspill-picture"
	MicroVersion  = "1.0.0"
	SubjectPrefix = "samspill.render"
)

// Headers of an answer, over HTTP and NATS.
const (
	// HeaderCache is CacheHit or CacheMiss.
	HeaderCache = "Samspill-Cache"
	// HeaderContentType is the picture's media type.
	HeaderContentType = "Content-Type"
)

// replyRoom is what a NATS reply keeps free of its max_payload for its
// headers.
const replyRoom = 1024

// microWorkers bounds the requests the micro endpoints work on at once,
// so that answers from the cache do not wait behind a drawing.
const microWorkers = 8

// AddMicro registers the service as the NATS micro service
// samspill-picture: each endpoint takes a JSON query (MapQuery,
// ChangesQuery, AreaQuery) and replies with the picture's bytes, with the
// headers Content-Type and Samspill-Cache; or with an error whose
// Nats-Service-Error-Code is the HTTP status and whose body is the
// refusal as JSON. A picture larger than the connection's max_payload
// (less 1 KiB for headers) is refused with code too-large (413): the
// server's limit is left as it is (1 MB by default), since it holds for
// every client; HTTP has no such limit. Each request names its principal
// with an assertion (header Samspill-Assertion) that Config.Verifier
// checks before anything else.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: MicroName, Version: MicroVersion,
		Description: "Samspill pictures of maps: a citizen's map, its changes, a municipality's system-wide map, as SVG, PNG, PDF or DOT"})
	if err != nil {
		return nil, fmt.Errorf("picture: add micro service: %w", err)
	}
	sem := make(chan struct{}, microWorkers)
	g := svc.AddGroup(SubjectPrefix)
	for _, ep := range []struct {
		name string
		h    micro.Handler
	}{
		{"map", answer(ctx, s, nc, s.Map)},
		{"changes", answer(ctx, s, nc, s.Changes)},
		{"area", answer(ctx, s, nc, s.Area)},
	} {
		h := ep.h
		if s.part != nil {
			// Routed inside the worker, so that a request waiting for
			// another instance does not hold the endpoint up.
			h = s.part.Micro(ep.name, s.part.BodyKey, h)
		}
		if err := g.AddEndpoint(ep.name, async(sem, h)); err != nil {
			_ = svc.Stop()
			return nil, fmt.Errorf("picture: add endpoint %s: %w", ep.name, err)
		}
	}
	// The endpoints answer once the server has their subscriptions: a
	// request sent on another connection right after AddMicro returned
	// could otherwise find no responders.
	if err := nc.Flush(); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("picture: add micro service: %w", err)
	}
	return svc, nil
}

// async answers each request with h in a goroutine of its own, at most
// cap(sem) at once.
func async(sem chan struct{}, h micro.Handler) micro.Handler {
	return micro.HandlerFunc(func(req micro.Request) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			h.Handle(req)
		}()
	})
}

// answer answers a request with f's picture.
func answer[Q any](ctx context.Context, s *Service, nc *nats.Conn, f func(context.Context, Q) (*Picture, error)) micro.Handler {
	return micro.HandlerFunc(func(req micro.Request) {
		ctx, req, span := telemetry.StartMicro(ctx, req)
		defer span.End()
		// Who asks, before anything else: the request's assertion.
		var err error
		if s.cfg.Verifier != nil {
			ctx, err = s.cfg.Verifier.FromHeaders(ctx, req.Headers())
		}
		var q Q
		if err == nil {
			q, err = query.Decode[Q](req.Data())
		}
		var pic *Picture
		if err == nil {
			pic, err = f(ctx, q)
		}
		if err == nil {
			if limit := nc.MaxPayload() - replyRoom; int64(len(pic.Data)) > limit {
				err = &query.Error{Code: CodeTooLarge, Field: "format", Message: fmt.Sprintf(
					"the picture has %d bytes, more than a NATS message carries here (max_payload %d): ask for it over HTTP, or in another format",
					len(pic.Data), nc.MaxPayload())}
			}
		}
		if err != nil {
			st, e := s.refusal(err, req.Subject())
			body, _ := json.Marshal(e)
			_ = req.Error(strconv.Itoa(st), e.Error(), body)
			return
		}
		_ = req.Respond(pic.Data, micro.WithHeaders(micro.Headers{HeaderContentType: {pic.ContentType}, HeaderCache: {pic.Cache}}))
	})
}

// refusal returns the status and refusal of err, and logs it when it is
// the service's own failure.
func (s *Service) refusal(err error, where string) (int, *query.Error) {
	st, e := Status(err)
	switch {
	case st != http.StatusInternalServerError:
	case errors.Is(err, render.ErrInput):
		// Its text may hold a map's document-local ids, which are
		// personal data.
		s.cfg.Logger.Error("picture not drawn: package render refused the map", "request", where)
	default:
		s.cfg.Logger.Error("picture not drawn", "request", where, "err", err)
	}
	return st, e
}

// Handler serves the pictures over HTTP, with RFC 9457 problem details on
// error:
//
//	GET /v1/maps/{mapId}/picture.{svg|png|pdf|dot}?at=&knownAt=&lang=
//	GET /v1/maps/{mapId}/changes/picture.{svg|png|pdf|dot}?from=&to=&lang=
//	GET /v1/areas/{municipality}/picture.{svg|png|pdf|dot}?at=&lang=
//
// The answer has the headers Content-Type, Samspill-Cache (hit or miss)
// and Content-Disposition (inline, with a file name of ids and dates);
// pictures of citizen maps are not to be stored by browsers or proxies
// (Cache-Control: no-store).
//
// The principal of a request is the one its context carries: wrap the
// routes in access.HTTP, which authenticates the bearer assertion. Each
// route is decided and audited as its NATS endpoint is.
func (s *Service) Handler() *query.Routes {
	rt := query.NewRoutes()
	if s.part != nil {
		rt.Wrap(s.part.Route)
	}
	for _, f := range []draw.Format{draw.SVG, draw.PNG, draw.PDF, draw.DOT} {
		file := "/picture." + string(f)
		rt.HandleFunc("GET /v1/maps/{mapId}"+file, func(w http.ResponseWriter, r *http.Request) {
			q := MapQuery{MapID: r.PathValue("mapId"), Format: string(f)}
			if err := query.Params(r, map[string]any{"at": &q.At, "knownAt": &q.KnownAt, "lang": &q.Lang}); err != nil {
				s.write(w, r, nil, err)
				return
			}
			pic, err := s.Map(r.Context(), q)
			s.write(w, r, pic, err)
		})
		rt.HandleFunc("GET /v1/maps/{mapId}/changes"+file, func(w http.ResponseWriter, r *http.Request) {
			q := ChangesQuery{MapID: r.PathValue("mapId"), Format: string(f)}
			if err := query.Params(r, map[string]any{"from": &q.From, "to": &q.To, "lang": &q.Lang}); err != nil {
				s.write(w, r, nil, err)
				return
			}
			pic, err := s.Changes(r.Context(), q)
			s.write(w, r, pic, err)
		})
		rt.HandleFunc("GET /v1/areas/{municipality}"+file, func(w http.ResponseWriter, r *http.Request) {
			q := AreaQuery{Municipality: r.PathValue("municipality"), Format: string(f)}
			if err := query.Params(r, map[string]any{"at": &q.At, "lang": &q.Lang}); err != nil {
				s.write(w, r, nil, err)
				return
			}
			pic, err := s.Area(r.Context(), q)
			s.write(w, r, pic, err)
		})
	}
	return rt
}

func (s *Service) write(w http.ResponseWriter, r *http.Request, pic *Picture, err error) {
	if err != nil {
		st, e := s.refusal(err, r.URL.Path)
		problem.Write(w, r, problem.New(st, e.Code, e.Field, e.Message))
		return
	}
	h := w.Header()
	h.Set(HeaderContentType, pic.ContentType)
	h.Set(HeaderCache, pic.Cache)
	h.Set("Content-Length", strconv.Itoa(len(pic.Data)))
	h.Set("Content-Disposition", `inline; filename="`+pic.Filename+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened on its own runs no script and loads nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	if pic.Personal {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	_, _ = w.Write(pic.Data)
}
