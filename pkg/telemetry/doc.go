// Package telemetry is what an operator watches a Samspill process with:
// Prometheus metrics, OpenTelemetry traces and structured logs that name
// the trace they belong to.
//
// Metrics live on a registry each process makes (NewMetrics), with the Go
// and process collectors; the services record their own counts on it
// (commands, events appended, projection positions, gap transitions,
// pictures) and HTTP is counted by route pattern, never by raw path,
// since paths hold map ids. Every recording method of *Metrics does
// nothing on a nil *Metrics, so a service without metrics passes nil.
//
// Traces come from a TracerProvider built from the standard OTEL_*
// environment (NewTracing): OTLP over HTTP, the console, or nothing at
// all, in which case no span is ever made. The provider travels in the
// context (WithTracerProvider), so that handlers of NATS micro requests,
// which get the service's context rather than a request's, find it. W3C
// trace context crosses HTTP (HTTP, the server middleware) and NATS
// (Request injects it into a request's headers; StartMicro and
// MicroHandler extract it in a micro handler).
//
// Logs: LogHandler wraps a slog.Handler so that a record logged with a
// context that holds a span carries trace_id and span_id. Logs carry ids,
// never names or free text; that rule is the callers', and nothing here
// adds personal data.
package telemetry
