package problem_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/samspill/samspill/pkg/problem"
)

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/maps/x", nil)
	problem.Write(rec, req, problem.New(http.StatusNotFound, "not-found", "mapId", "no such map"))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p problem.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != problem.TypeBase+"not-found" || p.Title != "Not Found" || p.Field != "mapId" || p.Instance != "/v1/maps/x" {
		t.Fatalf("%+v", p)
	}
}

// TestUnauthorizedSaysHow: a 401 carries WWW-Authenticate (RFC 9110); one
// set before is kept.
func TestUnauthorizedSaysHow(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest("GET", "/v1/maps", nil), problem.New(http.StatusUnauthorized, "unauthenticated", "", "sign in"))
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="samspill"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	problem.Write(rec, httptest.NewRequest("GET", "/", nil), problem.New(http.StatusUnauthorized, "unauthenticated", "", "x"))
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Fatalf("WWW-Authenticate replaced: %q", got)
	}
	rec = httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest("GET", "/", nil), problem.New(http.StatusForbidden, "forbidden", "", "x"))
	if got := rec.Header().Get("WWW-Authenticate"); got != "" {
		t.Fatalf("a 403 with WWW-Authenticate %q", got)
	}
}
