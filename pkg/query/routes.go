package query

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/samspill/samspill/pkg/problem"
)

// Routes is an http.ServeMux that remembers the patterns registered on
// it, so that a process can mount every service's routes on one mux and a
// test can hold the routes against the OpenAPI document.
type Routes struct {
	mux      *http.ServeMux
	patterns []string
	wrap     func(pattern string, h http.Handler) http.Handler
}

// Wrap makes every handler registered from now on go through wrap, which
// gets the route's pattern (a partitioned service routes each request to
// the instance that holds what it asks about).
func (rt *Routes) Wrap(wrap func(pattern string, h http.Handler) http.Handler) { rt.wrap = wrap }

// NewRoutes returns an empty route table.
func NewRoutes() *Routes { return &Routes{mux: http.NewServeMux()} }

// HandleFunc registers f for pattern (net/http pattern syntax, with the
// method: "GET /v1/maps/{mapId}").
func (rt *Routes) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, http.HandlerFunc(f))
}

// Handle registers h for pattern.
func (rt *Routes) Handle(pattern string, h http.Handler) {
	if rt.wrap != nil {
		h = rt.wrap(pattern, h)
	}
	rt.mux.Handle(pattern, h)
	rt.patterns = append(rt.patterns, pattern)
}

// Patterns returns the registered patterns, sorted.
func (rt *Routes) Patterns() []string {
	out := slices.Clone(rt.patterns)
	slices.Sort(out)
	return out
}

// ServeHTTP implements http.Handler. A request no pattern matches gets a
// problem-details answer: 404 for an unknown path, 405 with Allow for a
// known path and another method.
func (rt *Routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern != "" {
		rt.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer (404, or 405 with its Allow header), as a
	// problem instead of plain text.
	rec := &statusOnly{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	switch rec.status {
	case http.StatusMethodNotAllowed:
		problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "method-not-allowed", "",
			fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow"))))
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// Path cleaning ("//", "/./"): pass the redirect on.
		rt.mux.ServeHTTP(w, r)
	default:
		WriteError(w, r, NotFound("", "no such resource: %s", r.URL.Path))
	}
}

// statusOnly records the status and headers a handler writes.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusOnly) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// Mount registers every pattern of from on rt, served by from.
func (rt *Routes) Mount(from *Routes) {
	for _, p := range from.patterns {
		rt.Handle(p, from)
	}
}
