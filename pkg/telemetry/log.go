package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// LogHandler wraps h so that a record logged with a context holding a
// span (logger.InfoContext(ctx, …)) carries trace_id and span_id, the ids
// a tracing backend finds the request by.
func LogHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

// NewLogger returns a logger writing format (LogText or LogJSON) to w at
// level, with trace ids (LogHandler).
func NewLogger(w io.Writer, format string, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case LogText:
		return slog.New(LogHandler(slog.NewTextHandler(w, opts))), nil
	case LogJSON:
		return slog.New(LogHandler(slog.NewJSONHandler(w, opts))), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

type traceHandler struct{ next slog.Handler }

func (h traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{h.next.WithAttrs(as)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.next.WithGroup(name)}
}
