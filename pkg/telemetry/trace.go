package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of the spans made here.
const ScopeName = "github.com/samspill/samspill/pkg/telemetry"

// Exporters that OTEL_TRACES_EXPORTER may name.
const (
	ExporterOTLP    = "otlp"
	ExporterConsole = "console"
	ExporterNone    = "none"
)

// Tracing is a process's TracerProvider and how to flush and stop it.
type Tracing struct {
	// Provider makes the spans; a no-op provider when tracing is off.
	Provider trace.TracerProvider
	// Exporter is what the spans go to: ExporterOTLP, ExporterConsole or
	// ExporterNone.
	Exporter string
	sdk      *sdktrace.TracerProvider
}

// TracingConfig says where NewTracing reads its settings and writes
// console spans.
type TracingConfig struct {
	// Service is service.name when OTEL_SERVICE_NAME (or service.name in
	// OTEL_RESOURCE_ATTRIBUTES) does not set it.
	Service string
	// Version is service.version, if known.
	Version string
	// Getenv reads the environment (default os.Getenv). The OTLP exporter
	// reads its own OTEL_EXPORTER_OTLP_* settings from the process
	// environment.
	Getenv func(string) string
	// Console receives the spans of OTEL_TRACES_EXPORTER=console (default
	// os.Stderr).
	Console io.Writer
}

// NewTracing builds the TracerProvider the standard environment asks for:
//
//   - OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none: no tracing;
//   - OTEL_TRACES_EXPORTER=otlp, or unset while OTEL_EXPORTER_OTLP_ENDPOINT
//     or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set: OTLP over HTTP
//     (http/protobuf) to that endpoint, batched;
//   - OTEL_TRACES_EXPORTER=console: spans as JSON on cfg.Console;
//   - nothing set: no tracing.
//
// Without tracing, Provider is a no-op provider and no span costs
// anything. Sampling follows OTEL_TRACES_SAMPLER (default: parent-based,
// always on). Call Shutdown when the process stops, to flush the spans.
func NewTracing(ctx context.Context, cfg TracingConfig) (*Tracing, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	exporter, err := exporterFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if exporter == ExporterNone {
		return &Tracing{Provider: noop.NewTracerProvider(), Exporter: ExporterNone}, nil
	}
	var exp sdktrace.SpanExporter
	switch exporter {
	case ExporterOTLP:
		if p := protocol(getenv); p != "" && p != "http/protobuf" {
			return nil, fmt.Errorf("telemetry: OTEL_EXPORTER_OTLP_PROTOCOL=%s: this program exports traces over OTLP/HTTP only (http/protobuf)", p)
		}
		exp, err = otlptracehttp.New(ctx)
	case ExporterConsole:
		w := cfg.Console
		if w == nil {
			w = os.Stderr
		}
		exp, err = stdouttrace.New(stdouttrace.WithWriter(w))
	}
	if err != nil {
		return nil, fmt.Errorf("telemetry: %s trace exporter: %w", exporter, err)
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", cfg.Service)}
	if cfg.Version != "" {
		attrs = append(attrs, attribute.String("service.version", cfg.Version))
	}
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("telemetry: trace resource: %w", err)
	}
	var proc sdktrace.SpanProcessor = sdktrace.NewBatchSpanProcessor(exp)
	if exporter == ExporterConsole {
		proc = sdktrace.NewSimpleSpanProcessor(exp)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(proc))
	return &Tracing{Provider: sdk, Exporter: exporter, sdk: sdk}, nil
}

// NewTracingFor wraps a TracerProvider made elsewhere (a test's, with an
// in-memory exporter); Shutdown then shuts it down.
func NewTracingFor(tp *sdktrace.TracerProvider) *Tracing {
	return &Tracing{Provider: tp, Exporter: "custom", sdk: tp}
}

func exporterFromEnv(getenv func(string) string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return ExporterNone, nil
	}
	v := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	switch v {
	case "":
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
			return ExporterOTLP, nil
		}
		return ExporterNone, nil
	case ExporterOTLP, ExporterConsole, ExporterNone:
		return v, nil
	}
	return "", fmt.Errorf("telemetry: OTEL_TRACES_EXPORTER=%q: want otlp, console or none", v)
}

func protocol(getenv func(string) string) string {
	if p := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p != "" {
		return strings.ToLower(p)
	}
	return strings.ToLower(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
}

// On reports whether spans are made and exported.
func (t *Tracing) On() bool { return t != nil && t.sdk != nil }

// Shutdown exports the spans still buffered and stops the provider.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.On() {
		return nil
	}
	if err := t.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: flush traces: %w", err)
	}
	return nil
}

type providerKey struct{}

// WithTracerProvider returns ctx carrying tp, for the handlers that are
// given a service's context (NATS micro handlers) to make their spans
// with. A nil tp, or a Tracing that is off, leaves ctx as it is.
func WithTracerProvider(ctx context.Context, tp trace.TracerProvider) context.Context {
	if tp = active(tp); tp == nil {
		return ctx
	}
	return context.WithValue(ctx, providerKey{}, tp)
}

// TracerProviderFrom returns the provider ctx carries (WithTracerProvider),
// else the provider of the span in ctx, else nil: no tracing.
func TracerProviderFrom(ctx context.Context) trace.TracerProvider {
	if tp, ok := ctx.Value(providerKey{}).(trace.TracerProvider); ok {
		return tp
	}
	if s := trace.SpanFromContext(ctx); s.SpanContext().IsValid() && s.IsRecording() {
		return s.TracerProvider()
	}
	return nil
}

// Propagator is the W3C trace context propagator used over HTTP and NATS.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// active returns tp, or nil when it makes no spans.
func active(tp trace.TracerProvider) trace.TracerProvider {
	if _, off := tp.(noop.TracerProvider); off {
		return nil
	}
	return tp
}
