package command_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/access/accesstest"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
	"github.com/samspill/samspill/services/command/command"
)

const (
	callerTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan   = "00f067aa0ba902b7"
	callerParent = "00-" + callerTrace + "-" + callerSpan + "-01"
)

// gateway is what a web front end does with a command: it takes it over
// HTTP and sends it to the command service over NATS micro, with the
// assertion tok of the user who signed in.
func gateway(nc *nats.Conn, tok string) *query.Routes {
	rt := query.NewRoutes()
	rt.HandleFunc("POST /v1/commands/{name}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		reply, err := telemetry.Request(ctx, nc, command.SubjectPrefix+"."+r.PathValue("name"), body,
			nats.Header{access.HeaderAssertion: {tok}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		_, _ = w.Write(reply.Data)
	})
	return rt
}

// A command that comes in over HTTP with a traceparent and goes on over
// NATS micro to the real command service on a real JetStream server: the
// HTTP span, the NATS client span and the command service's server span
// are one trace, the server span's parent is the client span, and the
// event the command appended names the trace in its headers.
func TestCommandTraceCrossesHTTPAndNATS(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	srv := jsservertest.Start(t)
	auditStream(t, srv)
	sg := signer(t, nil)
	tok := accesstest.Token(t, sg, coordinator)
	ctx := telemetry.WithTracerProvider(context.Background(), tp)
	r, err := command.Boot(ctx, srv.Conn(), command.Options{MasterKey: master, Replicas: 1,
		Verifier: sg.Verifier(), Audit: audit.NewWriter(srv.JetStream(), "command", nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()

	hs := httptest.NewServer(telemetry.HTTP(gateway(srv.Conn(), tok), nil, tp))
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/commands/open_map",
		strings.NewReader(`{"focus":"citizen","label":"Test T.","municipality":"3203"}`))
	req.Header.Set("traceparent", callerParent)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out command.Result
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Version == 0 {
		t.Fatalf("status %d, result %+v, %v", res.StatusCode, out, err)
	}
	res.Body.Close()

	spans := exp.GetSpans()
	find := func(name string, kind trace.SpanKind) tracetest.SpanStub {
		t.Helper()
		for _, s := range spans {
			if s.Name == name && s.SpanKind == kind {
				return s
			}
		}
		t.Fatalf("no %s span %q among %d spans", kind, name, len(spans))
		return tracetest.SpanStub{}
	}
	httpSpan := find("POST /v1/commands/{name}", trace.SpanKindServer)
	client := find("samspill.cmd.open_map", trace.SpanKindClient)
	server := find("samspill.cmd.open_map", trace.SpanKindServer)
	for _, s := range []tracetest.SpanStub{httpSpan, client, server} {
		if got := s.SpanContext.TraceID().String(); got != callerTrace {
			t.Errorf("%s span %s is in trace %s, want the caller's %s", s.SpanKind, s.Name, got, callerTrace)
		}
	}
	if httpSpan.Parent.SpanID().String() != callerSpan {
		t.Errorf("HTTP span's parent %s, want %s", httpSpan.Parent.SpanID(), callerSpan)
	}
	if client.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Errorf("client span's parent %s, want the HTTP span %s", client.Parent.SpanID(), httpSpan.SpanContext.SpanID())
	}
	if server.Parent.SpanID() != client.SpanContext.SpanID() || !server.Parent.IsRemote() {
		t.Errorf("command service span's parent %s (remote %v), want the client span %s", server.Parent.SpanID(), server.Parent.IsRemote(), client.SpanContext.SpanID())
	}

	// The stored event's headers name the command service's span.
	js, err := jetstream.New(srv.Conn())
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(context.Background(), "SAMSPILL_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetMsg(context.Background(), out.Version)
	if err != nil {
		t.Fatal(err)
	}
	want := "00-" + callerTrace + "-" + server.SpanContext.SpanID().String() + "-01"
	if got := msg.Header.Get("traceparent"); got != want {
		t.Errorf("event header traceparent %q, want %q", got, want)
	}
	if strings.Contains(string(msg.Data), callerTrace) {
		t.Error("the trace id is in the event itself, not only in its headers")
	}
}

// Commands through the real service are counted by name and outcome, and
// the HTTP middleware labels requests by route pattern: no map id reaches
// /metrics.
func TestCommandMetrics(t *testing.T) {
	srv := jsservertest.Start(t)
	auditStream(t, srv)
	sg := signer(t, nil)
	m := telemetry.NewMetrics()
	r, err := command.Boot(context.Background(), srv.Conn(), command.Options{MasterKey: master, Replicas: 1, Metrics: m,
		Verifier: sg.Verifier(), Audit: audit.NewWriter(srv.JetStream(), "command", nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	routes := query.NewRoutes()
	routes.Mount(r.Service.Handler())
	routes.Handle("GET /metrics", m.Handler())
	// access.HTTP outside: the mux must get the request telemetry.HTTP
	// passes on, or the route pattern is lost (access.HTTP passes a copy).
	hs := httptest.NewServer(access.HTTP(sg.Verifier(), telemetry.HTTP(routes, m, nil)))
	defer hs.Close()
	bearer := map[access.Role]string{}
	for _, p := range []access.Principal{coordinator, admin} {
		bearer[p.Role] = accesstest.Token(t, sg, p)
	}
	postAs := func(role access.Role, name, body string) command.Result {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/commands/"+name, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok := bearer[role]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out command.Result
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	post := func(name, body string) command.Result { t.Helper(); return postAs(access.Coordinator, name, body) }
	opened := post("open_map", `{"focus":"citizen","label":"Test T.","municipality":"3203"}`)
	mapID := opened.IDs["mapId"]
	if mapID == "" {
		t.Fatalf("open_map: %+v", opened)
	}
	post("add_actor", `{"mapId":"`+mapID+`","kind":"person","level":"service","sector":"peer","name":"A"}`)
	post("add_actor", `{"mapId":"`+mapID+`","kind":"person","level":"service","sector":"primary-health","name":"B"}`)
	post("add_actor", `{"mapId":"`+mapID+`","kind":"robot","level":"service","sector":"peer","name":"C"}`)                  // invalid kind
	post("add_actor", `{"mapId":"`+mapID+`","kind":"person","level":"service","sector":"peer","extra":1}`)                  // malformed
	post("close_map", `{"mapId":"00000000-0000-4000-8000-000000000000"}`)                                                   // not assigned (no such map)
	post("brew_coffee", `{}`)                                                                                               // no such command
	postAs(access.Admin, "add_actor", `{"mapId":"`+mapID+`","kind":"person","level":"service","sector":"peer","name":"D"}`) // forbidden
	postAs("", "add_actor", `{"mapId":"`+mapID+`","kind":"person","level":"service","sector":"peer","name":"E"}`)           // unauthenticated
	if res, err := http.Get(hs.URL + "/v1/maps/" + mapID + "/history"); err == nil {                                        // not served here
		res.Body.Close()
	}

	res, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(raw), mapID) {
		t.Fatalf("/metrics shows the map id %s", mapID)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Fatalf("no %s in /metrics", name)
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return float64(m.GetHistogram().GetSampleCount())
		}
		return 0
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"samspill_commands_total", map[string]string{"command": "open_map", "outcome": "ok"}, 1},
		{"samspill_commands_total", map[string]string{"command": "add_actor", "outcome": "ok"}, 2},
		{"samspill_commands_total", map[string]string{"command": "add_actor", "outcome": "invalid"}, 1},
		{"samspill_commands_total", map[string]string{"command": "add_actor", "outcome": "malformed"}, 1},
		{"samspill_commands_total", map[string]string{"command": "close_map", "outcome": "forbidden"}, 1}, // not assigned: no oracle
		{"samspill_commands_total", map[string]string{"command": "add_actor", "outcome": "forbidden"}, 1},
		{"samspill_commands_total", map[string]string{"command": "add_actor", "outcome": "unauthenticated"}, 1},
		{"samspill_command_duration_seconds", map[string]string{"command": "add_actor"}, 6},
		{"samspill_events_appended_total", map[string]string{"type": string(event.TypeMapOpened)}, 1},
		{"samspill_events_appended_total", map[string]string{"type": string(event.TypeActorAdded)}, 2},
		{"samspill_http_requests_total", map[string]string{"method": "POST", "route": "/v1/commands/{name}", "status_class": "2xx"}, 3},
		{"samspill_http_requests_total", map[string]string{"method": "POST", "route": "/v1/commands/{name}", "status_class": "4xx"}, 6},
		{"samspill_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status_class": "4xx"}, 1},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if strings.Contains(string(raw), "brew_coffee") {
		t.Error("an unknown command's name became a label value")
	}
}
