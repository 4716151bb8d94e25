package telemetry_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
)

// The trace context of a caller outside: trace 4bf9…4736, span 00f0…02b7.
const (
	remoteTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpan   = "00f067aa0ba902b7"
	remoteParent = "00-" + remoteTrace + "-" + remoteSpan + "-01"
)

func newTracer(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

func spanOf(t *testing.T, spans tracetest.SpanStubs, name string, kind trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	var seen []string
	for _, s := range spans {
		if s.Name == name && s.SpanKind == kind {
			return s
		}
		seen = append(seen, s.Name+" ("+s.SpanKind.String()+")")
	}
	t.Fatalf("no %s span %q among %q", kind, name, seen)
	return tracetest.SpanStub{}
}

type mapQuery struct {
	MapID string `json:"mapId"`
}

type mapAnswer struct {
	MapID   string `json:"mapId"`
	TraceID string `json:"traceId"`
}

// An HTTP request with a traceparent asks a pkg/query micro endpoint over a
// real NATS server: the HTTP span continues the caller's trace, the NATS
// client span is its child, and the micro handler's server span is the
// client span's child, so that one trace holds all three.
func TestTraceCrossesHTTPAndNATSToAQuery(t *testing.T) {
	tp, exp := newTracer(t)
	srv := jsservertest.Start(t)
	ctx := telemetry.WithTracerProvider(context.Background(), tp)

	svc, err := micro.AddService(srv.Conn(), micro.Config{Name: "samspill-test", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	err = svc.AddGroup("samspill.query").AddEndpoint("map", query.Handler(ctx, nil, func(ctx context.Context, q mapQuery) (mapAnswer, error) {
		if q.MapID == "" {
			return mapAnswer{}, query.Invalid("mapId", "is required")
		}
		// The handler's context holds the server span.
		return mapAnswer{MapID: q.MapID, TraceID: trace.SpanContextFromContext(ctx).TraceID().String()}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}

	nc := srv.Conn()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(mapQuery{MapID: r.PathValue("mapId")})
		reply, err := telemetry.Request(r.Context(), nc, "samspill.query.map", body, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = w.Write(reply.Data)
	})
	hs := httptest.NewServer(telemetry.HTTP(mux, telemetry.NewMetrics(), tp))
	defer hs.Close()

	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/v1/maps/0b7a3c9e-6f52-4d1a-9e51-2f0f1c3b9a01", nil)
	req.Header.Set("traceparent", remoteParent)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ans mapAnswer
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ans.TraceID != remoteTrace {
		t.Errorf("the query handler ran in trace %q, want the caller's %s", ans.TraceID, remoteTrace)
	}

	spans := exp.GetSpans()
	httpSpan := spanOf(t, spans, "GET /v1/maps/{mapId}", trace.SpanKindServer)
	client := spanOf(t, spans, "samspill.query.map", trace.SpanKindClient)
	server := spanOf(t, spans, "samspill.query.map", trace.SpanKindServer)
	for _, s := range []tracetest.SpanStub{httpSpan, client, server} {
		if got := s.SpanContext.TraceID().String(); got != remoteTrace {
			t.Errorf("span %s (%s) is in trace %s, want %s", s.Name, s.SpanKind, got, remoteTrace)
		}
	}
	if got := httpSpan.Parent.SpanID().String(); got != remoteSpan || !httpSpan.Parent.IsRemote() {
		t.Errorf("HTTP span's parent %s (remote %v), want the traceparent's %s", got, httpSpan.Parent.IsRemote(), remoteSpan)
	}
	if client.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Errorf("client span's parent %s, want the HTTP span %s", client.Parent.SpanID(), httpSpan.SpanContext.SpanID())
	}
	if server.Parent.SpanID() != client.SpanContext.SpanID() || !server.Parent.IsRemote() {
		t.Errorf("NATS server span's parent %s (remote %v), want the client span %s", server.Parent.SpanID(), server.Parent.IsRemote(), client.SpanContext.SpanID())
	}

	// A refused query marks the spans with its code; a 4xx is not the
	// service's error.
	exp.Reset()
	reply, err := telemetry.Request(ctx, nc, "samspill.query.map", []byte(`{"mapId":""}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "400" {
		t.Fatalf("error code %q, want 400", code)
	}
	for _, s := range exp.GetSpans() {
		found := false
		for _, a := range s.Attributes {
			if a.Key == "samspill.error_code" && a.Value.AsString() == "400" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s span of a refused query has no samspill.error_code 400: %v", s.SpanKind, s.Attributes)
		}
	}
}

// Without a tracer provider a micro handler makes no span and Request
// still answers: tracing off costs nothing but is harmless.
func TestNoTracerProviderMakesNoSpans(t *testing.T) {
	srv := jsservertest.Start(t)
	ctx := context.Background()
	svc, err := micro.AddService(srv.Conn(), micro.Config{Name: "samspill-test", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	var sawSpan bool
	err = svc.AddEndpoint("echo", query.Handler(ctx, nil, func(ctx context.Context, q mapQuery) (mapQuery, error) {
		sawSpan = trace.SpanContextFromContext(ctx).IsValid()
		return q, nil
	}), micro.WithEndpointSubject("samspill.query.echo"))
	if err != nil {
		t.Fatal(err)
	}
	tracing, err := telemetry.NewTracing(ctx, telemetry.TracingConfig{Service: "test", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if tracing.On() || telemetry.TracerProviderFrom(telemetry.WithTracerProvider(ctx, tracing.Provider)) != nil {
		t.Fatal("tracing is on with no OTEL_* setting")
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reply, err := telemetry.Request(rctx, srv.Conn(), "samspill.query.echo", []byte(`{"mapId":"m"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(reply.Data) != `{"mapId":"m"}` || sawSpan || reply.Header.Get("traceparent") != "" {
		t.Fatalf("reply %s, span in handler %v", reply.Data, sawSpan)
	}
}

func TestNewTracingFromEnvironment(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		name string
		env  func(string) string
		want string
		err  string
	}{
		{"nothing set", env(), telemetry.ExporterNone, ""},
		{"endpoint set", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), telemetry.ExporterOTLP, ""},
		{"traces endpoint set", env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"), telemetry.ExporterOTLP, ""},
		{"otlp", env("OTEL_TRACES_EXPORTER", "otlp"), telemetry.ExporterOTLP, ""},
		{"none wins over an endpoint", env("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), telemetry.ExporterNone, ""},
		{"sdk disabled", env("OTEL_SDK_DISABLED", "true", "OTEL_TRACES_EXPORTER", "console"), telemetry.ExporterNone, ""},
		{"console", env("OTEL_TRACES_EXPORTER", "console"), telemetry.ExporterConsole, ""},
		{"unknown exporter", env("OTEL_TRACES_EXPORTER", "zipkin"), "", "OTEL_TRACES_EXPORTER"},
		{"grpc refused", env("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), "", "OTEL_EXPORTER_OTLP_PROTOCOL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{Service: "samspill-test", Getenv: c.env, Console: io.Discard})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Shutdown(context.Background())
			if tr.Exporter != c.want || tr.On() != (c.want != telemetry.ExporterNone) {
				t.Fatalf("exporter %s (on %v), want %s", tr.Exporter, tr.On(), c.want)
			}
		})
	}
}

// The console exporter writes each span with the service's name.
func TestConsoleTracing(t *testing.T) {
	var out bytes.Buffer
	tr, err := telemetry.NewTracing(context.Background(), telemetry.TracingConfig{Service: "samspill-test",
		Getenv: func(k string) string {
			if k == "OTEL_TRACES_EXPORTER" {
				return "console"
			}
			return ""
		}, Console: &out})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("t").Start(context.Background(), "samspill.cmd.open_map")
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"samspill.cmd.open_map"`) || !strings.Contains(out.String(), `"samspill-test"`) {
		t.Fatalf("console output lacks the span or the service:\n%s", out.String())
	}
}

// The HTTP middleware labels by the route pattern: the map id in the path
// never appears in /metrics, nor does an unknown path.
func TestHTTPMetricsByPattern(t *testing.T) {
	m := telemetry.NewMetrics()
	routes := query.NewRoutes()
	routes.HandleFunc("GET /v1/maps/{mapId}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("mapId") == "missing-map-7f3a" {
			query.WriteError(w, r, query.NotFound("mapId", "no such map"))
			return
		}
		query.WriteJSON(w, map[string]string{"mapId": r.PathValue("mapId")})
	})
	routes.HandleFunc("POST /v1/commands/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	routes.Handle("GET /metrics", m.Handler())
	h := telemetry.HTTP(routes, m, nil)
	do := func(method, path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec.Code
	}
	for _, id := range []string{"map-4e1f0c2a", "map-9b8d7e6f", "map-1a2b3c4d"} {
		if code := do("GET", "/v1/maps/"+id); code != 200 {
			t.Fatalf("GET map: %d", code)
		}
	}
	do("GET", "/v1/maps/missing-map-7f3a")
	do("POST", "/v1/commands/open_map")
	do("GET", "/v1/nowhere/secret-path-55")
	do("BREW", "/v1/maps/map-4e1f0c2a")

	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"GET", "/v1/maps/{mapId}", "2xx"}, 3},
		{[]string{"GET", "/v1/maps/{mapId}", "4xx"}, 1},
		{[]string{"POST", "/v1/commands/{name}", "2xx"}, 1},
		{[]string{"GET", "unmatched", "4xx"}, 1},
		{[]string{"other", "unmatched", "4xx"}, 1},
	} {
		got := counterValue(t, m, "samspill_http_requests_total", c.labels)
		if got != c.want {
			t.Errorf("samspill_http_requests_total%v = %v, want %v", c.labels, got, c.want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, leak := range []string{"map-4e1f0c2a", "map-9b8d7e6f", "missing-map-7f3a", "secret-path-55", "BREW"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics shows %q from a request path", leak)
		}
	}
	for _, want := range []string{`samspill_http_request_duration_seconds_count{method="GET",route="/v1/maps/{mapId}",status_class="2xx"} 3`, "go_goroutines", "process_cpu_seconds_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func counterValue(t *testing.T, m *telemetry.Metrics, name string, labels []string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, metric := range mf.GetMetric() {
			lp := metric.GetLabel()
			if len(lp) != len(labels) {
				continue
			}
			// Labels come sorted by name; the test lists them in
			// declaration order, which is also sorted here.
			for i, l := range lp {
				if l.GetValue() != labels[i] {
					continue next
				}
			}
			return metric.GetCounter().GetValue()
		}
	}
	return 0
}

// Domain metrics, and a nil *Metrics that records nothing.
func TestDomainMetrics(t *testing.T) {
	var off *telemetry.Metrics
	off.Command("open_map", telemetry.OutcomeOK, time.Millisecond)
	off.Applied("graph", 3)
	off.PictureCache("map", true)
	off.WatchLag("graph", func() (uint64, bool) { return 1, true })

	m := telemetry.NewMetrics()
	m.GapTransition("P3", telemetry.TransitionOpened)
	m.GapTransition("P3", telemetry.TransitionOpened)
	m.GapTransition("P3", telemetry.TransitionClosed)
	m.Applied("graph", 41)
	m.Applied("graph", 42)
	m.PictureRendered("map", "svg", 30*time.Millisecond)
	m.PictureCache("map", true)
	m.PictureCache("map", false)
	m.EventsAppended("actor_added", 4)
	pending, known := uint64(7), false
	m.WatchLag("graph", func() (uint64, bool) { return pending, known })

	want := `
# HELP samspill_gap_transitions_total Gap transitions this process published to SAMSPILL_GAPS, by rule and transition (opened, closed).
# TYPE samspill_gap_transitions_total counter
samspill_gap_transitions_total{rule="P3",transition="closed"} 1
samspill_gap_transitions_total{rule="P3",transition="opened"} 2
# HELP samspill_projection_position Sequence in SAMSPILL_EVENTS of the last event a projection applied.
# TYPE samspill_projection_position gauge
samspill_projection_position{projection="graph"} 42
# HELP samspill_projection_events_applied_total Events a projection applied since the process started.
# TYPE samspill_projection_events_applied_total counter
samspill_projection_events_applied_total{projection="graph"} 2
# HELP samspill_pictures_rendered_total Pictures drawn (not answered from the cache), by kind (person: a citizen's map, changes, area) and format.
# TYPE samspill_pictures_rendered_total counter
samspill_pictures_rendered_total{format="svg",kind="map"} 1
# HELP samspill_events_appended_total Events appended to the event log by this process, by event type.
# TYPE samspill_events_appended_total counter
samspill_events_appended_total{type="actor_added"} 4
`
	names := []string{"samspill_gap_transitions_total", "samspill_projection_position", "samspill_projection_events_applied_total",
		"samspill_pictures_rendered_total", "samspill_events_appended_total", "samspill_projection_lag_events"}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	known = true
	lag := `
# HELP samspill_projection_lag_events Events in SAMSPILL_EVENTS after a projection's position that it has not applied yet (as its consumer last saw them).
# TYPE samspill_projection_lag_events gauge
samspill_projection_lag_events{projection="graph"} 7
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(lag), "samspill_projection_lag_events"); err != nil {
		t.Fatal(err)
	}
	if n := counterValue(t, m, "samspill_picture_cache_requests_total", []string{"map", "hit"}); n != 1 {
		t.Fatalf("cache hits %v, want 1", n)
	}
}

// JSON logs: a record logged with a span's context carries trace_id and
// span_id; one without does not; every line is valid JSON.
func TestJSONLogsCarryTraceIDs(t *testing.T) {
	tp, _ := newTracer(t)
	var out bytes.Buffer
	logger, err := telemetry.NewLogger(&out, telemetry.LogJSON, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	logger = logger.With("service", "command")
	ctx, span := tp.Tracer("t").Start(context.Background(), "samspill.cmd.add_actor")
	logger.InfoContext(ctx, "command executed", "command", "add_actor", "version", 3)
	span.End()
	logger.Info("no request", "maps", 2)
	logger.WithGroup("g").WarnContext(ctx, "grouped", "k", "v")

	sc := span.SpanContext()
	sc2 := bufio.NewScanner(&out)
	var lines []map[string]any
	for sc2.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc2.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %s: %v", sc2.Bytes(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	if lines[0]["trace_id"] != sc.TraceID().String() || lines[0]["span_id"] != sc.SpanID().String() || lines[0]["service"] != "command" {
		t.Errorf("line with a span: %v, want trace_id %s span_id %s", lines[0], sc.TraceID(), sc.SpanID())
	}
	if _, ok := lines[1]["trace_id"]; ok {
		t.Errorf("line without a span has a trace_id: %v", lines[1])
	}
	if g, _ := lines[2]["g"].(map[string]any); g == nil || g["trace_id"] != sc.TraceID().String() {
		t.Errorf("grouped line: %v", lines[2])
	}
	if _, err := telemetry.NewLogger(io.Discard, "xml", nil); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("unknown format: %v", err)
	}
}
