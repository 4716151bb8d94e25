package telemetry

import (
	"context"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// HeaderCarrier carries trace context in NATS message headers (a
// propagation.TextMapCarrier). Keys are looked up exactly first, then
// regardless of case, since a header may have crossed HTTP.
type HeaderCarrier nats.Header

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string {
	if v := nats.Header(c).Get(key); v != "" {
		return v
	}
	for k, vs := range c {
		if strings.EqualFold(k, key) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// Set sets key to value.
func (c HeaderCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Inject writes the trace context of the span in ctx into h (traceparent,
// tracestate). Without a span it writes nothing. h must not be nil.
func Inject(ctx context.Context, h nats.Header) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	Propagator().Inject(ctx, HeaderCarrier(h))
}

// Request sends a NATS request of data to subject with header (which it
// does not change) and waits for the reply until ctx is done. When ctx
// holds a span, or a tracer provider (WithTracerProvider), the request
// is a client span named for the subject, and its trace context goes in
// the request's headers for the handler to take up. A reply that is a
// micro error (Nats-Service-Error-Code) marks the span: an error from
// 500 on.
func Request(ctx context.Context, nc *nats.Conn, subject string, data []byte, header nats.Header) (*nats.Msg, error) {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	for k, vs := range header {
		msg.Header[k] = append([]string(nil), vs...)
	}
	tp := TracerProviderFrom(ctx)
	if tp == nil {
		Inject(ctx, msg.Header) // pass a remote parent on as it is
		return nc.RequestMsgWithContext(ctx, msg)
	}
	ctx, span := tp.Tracer(ScopeName).Start(ctx, subject, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", subject)))
	defer span.End()
	Inject(ctx, msg.Header)
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "request failed")
		return nil, err
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		markError(span, code)
	}
	return reply, nil
}

// markError records a micro error code on span; codes from 500 up (or
// not numbers) are errors of the service.
func markError(span trace.Span, code string) {
	span.SetAttributes(attribute.String("samspill.error_code", code))
	if n, err := strconv.Atoi(code); err != nil || n >= 500 {
		span.SetStatus(codes.Error, "error "+code)
	}
}

// StartMicro starts the server span of a micro request, a child of the
// trace context in its headers, named for its subject. ctx is the
// handler's context; the span is made with its tracer provider
// (WithTracerProvider). It returns the span's context, the request (whose
// Error marks the span) and the span, to End when the request is
// answered. Without a provider, it returns ctx and req as they are and a
// span that does nothing.
func StartMicro(ctx context.Context, req micro.Request) (context.Context, micro.Request, trace.Span) {
	tp := TracerProviderFrom(ctx)
	if tp == nil {
		return ctx, req, trace.SpanFromContext(context.Background())
	}
	ctx = Propagator().Extract(ctx, HeaderCarrier(req.Headers()))
	ctx, span := tp.Tracer(ScopeName).Start(ctx, req.Subject(), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", req.Subject())))
	return ctx, tracedRequest{Request: req, span: span}, span
}

// MicroHandler is a micro handler that serves each request with h inside
// its server span (StartMicro). ctx is the service's context, with its
// tracer provider.
func MicroHandler(ctx context.Context, h func(ctx context.Context, req micro.Request)) micro.Handler {
	return micro.HandlerFunc(func(req micro.Request) {
		ctx, req, span := StartMicro(ctx, req)
		defer span.End()
		h(ctx, req)
	})
}

// tracedRequest marks its span when the handler answers with an error.
type tracedRequest struct {
	micro.Request
	span trace.Span
}

func (r tracedRequest) Error(code, description string, data []byte, opts ...micro.RespondOpt) error {
	markError(r.span, code)
	err := r.Request.Error(code, description, data, opts...)
	if err != nil {
		r.span.RecordError(err)
	}
	return err
}
