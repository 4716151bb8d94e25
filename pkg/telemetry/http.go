package telemetry

import (
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP wraps next, the handler at the top of a process's HTTP side: each
// request is counted and timed on m by method, route pattern and status
// class, and, when tp is not nil, served inside a server span whose
// parent is the request's traceparent header. The route is the pattern
// net/http matched (r.Pattern, set by the http.ServeMux next reaches with
// the request HTTP passes on), "unmatched" when none did; never the path.
// m and tp may each be nil.
func HTTP(next http.Handler, m *Metrics, tp trace.TracerProvider) http.Handler {
	tp = active(tp)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		var span trace.Span
		if tp != nil {
			ctx := Propagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx = WithTracerProvider(ctx, tp)
			ctx, span = tp.Tracer(ScopeName).Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", r.Method)))
			defer span.End()
			r = r.WithContext(ctx)
		}
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := routeLabel(r.Pattern)
		m.observeHTTP(methodLabel(r.Method), route, status, time.Since(began))
		if span != nil {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
	})
}

// statusWriter remembers the status a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets a handler stream through the wrapper.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
