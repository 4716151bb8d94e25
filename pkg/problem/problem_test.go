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
