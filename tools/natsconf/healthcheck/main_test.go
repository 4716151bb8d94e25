package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up 1\n") })
	mux.HandleFunc("GET /down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "NATS is out of reach", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/metrics", http.StatusFound) })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/metrics"
	l.Close()

	for _, c := range []struct {
		args []string
		want string // "" for success, else a part of the error
	}{
		{[]string{srv.URL + "/metrics"}, ""},
		{[]string{srv.URL + "/down"}, "503"},
		{[]string{srv.URL + "/moved"}, "302"},
		{[]string{srv.URL + "/nowhere"}, "404"},
		{[]string{"-timeout", "100ms", srv.URL + "/slow"}, "deadline"},
		{[]string{closed}, "refused"},
		{nil, "usage"},
		{[]string{srv.URL, srv.URL}, "usage"},
	} {
		err := run(c.args, io.Discard)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v, want success", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: %v, want an error with %q", c.args, err, c.want)
		}
	}
}
