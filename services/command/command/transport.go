package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

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
	// HeaderPrincipal carries the pseudonymous id of who issues a command,
	// on NATS requests and HTTP requests alike (set by the gateway that
	// authenticated them).
	HeaderPrincipal = "Samspill-Principal"
)

var principalPattern = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)

func principalOf(v string) string {
	if principalPattern.MatchString(v) {
		return v
	}
	return "anonymous"
}

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
	default:
		return http.StatusInternalServerError
	}
}

// asError converts any error from Decode or Execute to *Error.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "the command could not be completed; nothing was written"}
}

// AddMicro registers the command service on nc as a NATS micro service
// with one endpoint per command at samspill.cmd.<name>. Replies are the
// JSON Result; errors carry the HTTP status as code, the message as
// description and the JSON *Error as body.
func (s *Service) AddMicro(ctx context.Context, nc *nats.Conn) (micro.Service, error) {
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
			res, err := s.handle(ctx, name, principalOf(req.Headers().Get(HeaderPrincipal)), req.Data())
			if err != nil {
				e := asError(err)
				body, _ := json.Marshal(e)
				_ = req.Error(fmt.Sprint(e.Code.Status()), e.Error(), body)
				return
			}
			_ = req.RespondJSON(res)
		})
		if err := g.AddEndpoint(string(name), h, micro.WithEndpointMetadata(map[string]string{"command": string(name)})); err != nil {
			return nil, fmt.Errorf("command: add endpoint %s: %w", name, err)
		}
	}
	imp := telemetry.MicroHandler(ctx, func(ctx context.Context, req micro.Request) {
		res, err := s.ImportDocument(ctx, principalOf(req.Headers().Get(HeaderPrincipal)), req.Data(), req.Headers().Get("Idempotency-Key"))
		if err != nil {
			e := asError(err)
			body, _ := json.Marshal(e)
			_ = req.Error(fmt.Sprint(e.Code.Status()), e.Error(), body)
			return
		}
		_ = req.RespondJSON(res)
	})
	if err := g.AddEndpoint(ImportName, imp, micro.WithEndpointMetadata(map[string]string{"command": ImportName})); err != nil {
		return nil, fmt.Errorf("command: add endpoint %s: %w", ImportName, err)
	}
	return svc, nil
}

func (s *Service) handle(ctx context.Context, name Name, principal string, body []byte) (Result, error) {
	c, err := Decode(name, body)
	if err != nil {
		s.record(name, time.Now(), Result{}, err)
		return Result{}, err
	}
	return s.Execute(ctx, principal, c)
}

// ProblemType is the URI prefix of problem types.
const ProblemType = problem.TypeBase

// WriteProblem writes err as RFC 9457 problem details.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	p := problem.New(e.Code.Status(), string(e.Code), e.Field, e.Message)
	p.Version = e.Version
	problem.Write(w, r, p)
}

// Handler serves POST /v1/commands/{name}. An Idempotency-Key header is
// used as the command id when the body has none.
func (s *Service) Handler() *query.Routes {
	mux := query.NewRoutes()
	mux.HandleFunc("POST /v1/commands/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := Name(r.PathValue("name"))
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
		res, err := s.Execute(r.Context(), principalOf(r.Header.Get(HeaderPrincipal)), c)
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
		body, ok := readBody(w, r, mapdoc.MaxSize, "document")
		if !ok {
			return
		}
		res, err := s.ImportDocument(r.Context(), principalOf(r.Header.Get(HeaderPrincipal)), body, r.Header.Get("Idempotency-Key"))
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
