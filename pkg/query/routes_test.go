package query

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestRoutesMount(t *testing.T) {
	a, b := NewRoutes(), NewRoutes()
	a.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("a:" + r.PathValue("mapId"))) })
	b.HandleFunc("GET /v1/maps/{mapId}/gaps", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("b:" + r.PathValue("mapId"))) })
	top := NewRoutes()
	top.Mount(a)
	top.Mount(b)
	want := []string{"GET /v1/maps/{mapId}", "GET /v1/maps/{mapId}/gaps"}
	if got := top.Patterns(); !slices.Equal(got, want) {
		t.Fatalf("patterns %v, want %v", got, want)
	}
	for path, body := range map[string]string{"/v1/maps/x": "a:x", "/v1/maps/y/gaps": "b:y"} {
		rec := httptest.NewRecorder()
		top.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Body.String() != body {
			t.Errorf("%s: %q, want %q", path, rec.Body.String(), body)
		}
	}
	rec := httptest.NewRecorder()
	top.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/other", nil))
	if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("unrouted path: %d %s, want a 404 problem", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = httptest.NewRecorder()
	top.ServeHTTP(rec, httptest.NewRequest("DELETE", "/v1/maps/x", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("wrong method: %d Allow=%q %s, want a 405 problem with Allow", rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"))
	}
}
