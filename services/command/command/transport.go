package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/mapdoc"
	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
)

// Micro service identity. The subject of a command is
// SubjectPrefix + "." + its wire name.
const (
	MicroName     = "samspill-command"
	MicroVersion  = "1.0.0"
	SubjectPrefix = "samspill.cmd"
)

// Status returns the HTTP status of an error code.
func (c Code) Status() int {
	switch c {
	case CodeMalformed:
		return http.StatusBadRequest
	case CodeInvalid, CodeNationalID:
		return http.StatusUnprocessableEntity
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeGone:
		return http.StatusGone
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// asError converts any error from Decode, Execute or package access to
// *Error.
func asError(err error) *Error {
	var e *Error
	if errors.As(accessError(err), &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "the command could not be completed; nothing was written"}
}

// respondError answers a micro request with err: the HTTP status as the
// code (Nats-Service-Error-Code), the message as the description and the
// JSON *Error as the body.
func respondError(req micro.Request, err error) {
	e := asError(err)
	body, _ := json.Marshal(e)
	_ = req.Error(strconv.Itoa(e.Code.Status()), e.Error(), body)
}

// authenticate returns ctx with the principal of a NATS request's
// assertion (header Samspill-Assertion), verified with Config.Verifier;
// without an assertion (or a verifier) ctx is returned as it is, and the
// command is refused with 401.
func (s *Service) authenticate(ctx context.Context, h micro.Headers) (context.Context, error) {
	if s.cfg.Verifier == nil {
		return ctx, nil
	}
	ctx, err := s.cfg.Verifier.FromHeaders(ctx, h)
	if err != nil {
		return ctx, accessError(err)
	}
	return ctx, nil
}

// AddMicro registers the command service on nc as a NATS micro service
// with one endpoint per command at samspill.cmd.<name>. Each request's
// assertion is verified before anything else (Config.Verifier); replies
// are the JSON Result; errors carry the HTTP status as code, the message
// as description and the JSON *Error as body. ctx must carry no principal:
// each request names its own.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
	if _, ok := access.FromContext(ctx); ok {
		return nil, errors.New("command: AddMicro: ctx carries a principal, which every request would inherit; each NATS request names its own with an assertion")
	}
	svc, err := micro.AddService(nc, micro.Config{
		Name:        MicroName,
		Version:     MicroVersion,
		Description: "Samspill commands: validate and append events to maps and the directory",
	})
	if err != nil {
		return nil, fmt.Errorf("command: add micro service: %w", err)
	}
	g := svc.AddGroup(SubjectPrefix)
	for _, name := range Names() {
		name := name
		h := telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
			ctx, err := s.authenticate(ctx, req.Headers())
			if err != nil {
				s.record(name, time.Now(), Result{}, err)
				respondError(req, err)
				return
			}
			res, err := s.handle(ctx, name, req.Data())
			if err != nil {
				respondError(req, err)
				return
			}
			_ = req.RespondJSON(res)
		})
		if err := g.AddEndpoint(string(name), h, micro.WithEndpointMetadata(map[string]string{"command": string(name)})); err != nil {
			return nil, fmt.Errorf("command: add endpoint %s: %w", name, err)
		}
	}
	imp := telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		ctx, err := s.authenticate(ctx, req.Headers())
		if err != nil {
			s.record(ImportName, time.Now(), Result{}, err)
			respondError(req, err)
			return
		}
		res, err := s.ImportDocument(ctx, req.Data(), req.Headers().Get("Idempotency-Key"))
		if err != nil {
			respondError(req, err)
			return
		}
		_ = req.RespondJSON(res)
	})
	if err := g.AddEndpoint(ImportName, imp, micro.WithEndpointMetadata(map[string]string{"command": ImportName})); err != nil {
		return nil, fmt.Errorf("command: add endpoint %s: %w", ImportName, err)
	}
	// The endpoints answer once the server has their subscriptions: a
	// request sent on another connection right after AddMicro returned
	// could otherwise find no responders.
	if err := nc.Flush(); err != nil {
		_ = svc.Stop()
		return nil, fmt.Errorf("command: add micro service: %w", err)
	}
	return svc, nil
}

// handle decodes and executes a command, refusing one without a principal
// before it is decoded.
func (s *Service) handle(ctx context.Context, name Name, body []byte) (Result, error) {
	began := time.Now()
	if _, err := principal(ctx); err != nil {
		s.record(name, began, Result{}, err)
		return Result{}, err
	}
	c, err := Decode(name, body)
	if err != nil {
		s.record(name, began, Result{}, err)
		return Result{}, err
	}
	return s.Execute(ctx, c)
}

// ProblemType is the URI prefix of problem types.
const ProblemType = problem.TypeBase

// WriteProblem writes err as RFC 9457 problem details; a 401 also names
// the Bearer scheme in WWW-Authenticate.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	if e.Code == CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samspill"`)
	}
	p := problem.New(e.Code.Status(), string(e.Code), e.Field, e.Message)
	p.Version = e.Version
	problem.Write(w, r, p)
}

// Handler serves POST /v1/commands/{name}, POST /v1/imports and GET
// /v1/commands. An Idempotency-Key header is used as the command id when
// the body has none. The principal who gives a command is the one the
// request's context carries: wrap the handler in access.HTTP (the edge
// does), or requests are refused with 401.
func (s *Service) Handler() *query.Routes {
	mux := query.NewRoutes()
	mux.HandleFunc("POST /v1/commands/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := Name(r.PathValue("name"))
		if _, err := principal(r.Context()); err != nil {
			s.record(name, time.Now(), Result{}, err)
			WriteProblem(w, r, err)
			return
		}
		if _, ok := New(name); !ok {
			WriteProblem(w, r, notFound("name", "unknown command %q (GET /v1/commands lists them)", name))
			return
		}
		body, ok := readBody(w, r, MaxCommandSize, "command")
		if !ok {
			return
		}
		c, err := Decode(name, body)
		if err != nil {
			s.record(name, time.Now(), Result{}, err)
			WriteProblem(w, r, err)
			return
		}
		if key := r.Header.Get("Idempotency-Key"); key != "" && c.meta().CommandID == "" {
			c.meta().CommandID = key
		}
		res, err := s.Execute(r.Context(), c)
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
		if res.Duplicate {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("POST /v1/imports", func(w http.ResponseWriter, r *http.Request) {
		if _, err := principal(r.Context()); err != nil {
			s.record(ImportName, time.Now(), Result{}, err)
			WriteProblem(w, r, err)
			return
		}
		body, ok := readBody(w, r, mapdoc.MaxSize, "document")
		if !ok {
			return
		}
		res, err := s.ImportDocument(r.Context(), body, r.Header.Get("Idempotency-Key"))
		if err != nil {
			WriteProblem(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.HandleFunc("GET /v1/commands", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"commands": Names()})
	})
	return mux
}

// readBody reads a JSON request body of at most limit bytes, or answers
// 415 (a Content-Type other than JSON) or 413 (too large) and returns
// false.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		problem.Write(w, r, problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Content-Type",
			fmt.Sprintf("content type %q; send application/json", ct)))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, "too-large", "",
				fmt.Sprintf("the %s is larger than %d bytes", what, limit)))
		} else {
			WriteProblem(w, r, fail(CodeMalformed, "", "the %s could not be read", what))
		}
		return nil, false
	}
	return body, true
}
