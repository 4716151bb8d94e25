package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
)

// BenchmarkHTTP measures what the middleware adds to a request: nothing,
// metrics only (tracing off, the default), and metrics with a recording
// tracer whose spans are dropped (the cost of making them, not of
// exporting).
func BenchmarkHTTP(b *testing.B) {
	routes := query.NewRoutes()
	routes.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	off, err := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{Service: "bench", Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	// Spans are made and recorded, then dropped: no exporter.
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", routes},
		{"metrics", telemetry.HTTP(routes, telemetry.NewMetrics(), off.Provider)},
		{"metrics+tracing", telemetry.HTTP(routes, telemetry.NewMetrics(), tp)},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/v1/maps/0b7a3c9e-6f52-4d1a-9e51-2f0f1c3b9a01", nil)
			req.Header.Set("traceparent", remoteParent)
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
