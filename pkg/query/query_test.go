package query

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samspill/samspill/pkg/date"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
		code string
	}{
		{Invalid("at", "bad"), http.StatusBadRequest, "invalid"},
		{fmt.Errorf("wrapped: %w", NotFound("mapId", "no map")), http.StatusNotFound, "not-found"},
		{errors.New("disk on fire at /var/secret"), http.StatusInternalServerError, "internal"},
	} {
		st, e := Status(c.err)
		if st != c.want || e.Code != c.code {
			t.Errorf("Status(%v) = %d %q, want %d %q", c.err, st, e.Code, c.want, c.code)
		}
		if c.code == "internal" && e.Message != "the query could not be answered" {
			t.Errorf("an internal error leaks its text: %q", e.Message)
		}
	}
	if !errors.Is(NotFound("x", "y"), ErrNotFound) || errors.Is(NotFound("x", "y"), ErrInvalid) {
		t.Error("errors.Is does not match by code")
	}
}

func TestDecode(t *testing.T) {
	type q struct {
		MapID string `json:"mapId"`
	}
	if got, err := Decode[q]([]byte(`{"mapId": "m"}`)); err != nil || got.MapID != "m" {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
	for _, body := range []string{`{"mapID": "m", "x": 1}`, `{"mapId": 1}`, `{"mapId": "m"} {}`, ``, `[`} {
		if _, err := Decode[q]([]byte(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q) = %v, want an invalid query", body, err)
		}
	}
}

func TestParams(t *testing.T) {
	var (
		at    date.Date
		known time.Time
		depth int
		lang  string
	)
	into := map[string]any{"at": &at, "knownAt": &known, "depth": &depth, "lang": &lang}
	r := httptest.NewRequest("GET", "/x?at=2026-01-31&knownAt=2026-02-01&depth=2&lang=nb", nil)
	if err := Params(r, into); err != nil {
		t.Fatal(err)
	}
	if at.String() != "2026-01-31" || depth != 2 || lang != "nb" || known.Day() != 1 || known.Hour() != 23 {
		t.Fatalf("got at %v known %v depth %d lang %q", at, known, depth, lang)
	}
	for _, c := range []struct{ url, field string }{
		{"/x?at=31.01.2026", "at"}, {"/x?knownAt=yesterday", "knownAt"}, {"/x?depth=two", "depth"}, {"/x?sort=name", "sort"},
	} {
		err := Params(httptest.NewRequest("GET", c.url, nil), into)
		var e *Error
		if !errors.As(err, &e) || e.Field != c.field || e.Code != "invalid" {
			t.Errorf("%s: %v, want an invalid %s", c.url, err, c.field)
		}
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("GET", "/v1/maps/x", nil), NotFound("mapId", "no map x"))
	if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}
