// Package otel is a middleware that traces function runs with OpenTelemetry.
//
// Each call of a function (one HTTP request from the server) gets a span named
// "inngest.call <function id>", and each step whose code runs in the call a
// child span "inngest.step <step id>"; memoized steps (replays) get none. Spans
// carry the run id, function id, step id, attempt and outcome as attributes
// (see the Attr constants) and are made by the TracerProvider given in
// Options.
//
// A call span's parent is, in this order:
//
//  1. The call request's W3C trace headers (Traceparent, Tracestate; see
//     inngest.CallInfo.TraceParent). The Inngest server sends them on every
//     call, one trace per run, and the JavaScript SDK ties its execution span
//     to the trace they name. The call span is a child of that remote span
//     context, so it carries the trace id the server gave the run, the one the
//     other SDKs' spans are tied to. A malformed traceparent is ignored.
//  2. Else the trace context in the triggering event's data: when an event is
//     sent (Client.Send, step.SendEvent) or a function is invoked (step.Invoke)
//     while a span is active, the W3C trace context is written into the event
//     data under the key CarrierKey (with Options.Propagator), and the calls of
//     the runs that event triggers are children of that span. The embedded
//     engine sends no trace headers, so this is what ties its runs to the
//     sender. When a call has both, the header wins and the sending span is
//     added to the call span as a link.
//
// CarrierKey is this package's own: the JavaScript SDK carries no trace context
// in event data. The server and the engine drop a data "_inngest" object from
// sent events, so the context has a key of its own.
package otel

import (
	"context"
	"encoding/json"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// CarrierKey is the event data key that carries the trace context.
const CarrierKey = "_inngest_trace"

// TracerName is the instrumentation scope of the spans.
const TracerName = "github.com/seed-b02f2472/inngest-go/middleware/otel"

// Span attributes.
const (
	AttrRunID      = attribute.Key("inngest.run.id")
	AttrFunctionID = attribute.Key("inngest.function.id")
	AttrStepID     = attribute.Key("inngest.step.id")
	AttrAttempt    = attribute.Key("inngest.attempt")
	AttrOutcome    = attribute.Key("inngest.outcome")
	AttrReplaying  = attribute.Key("inngest.replaying")
)

// Outcomes recorded in AttrOutcome.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
	OutcomePanic = "panic"
)

// Options configure the middleware. The zero value is not usable: set
// TracerProvider.
type Options struct {
	// TracerProvider makes the spans. Required (pass otel.GetTracerProvider()
	// for the global one).
	TracerProvider trace.TracerProvider
	// Propagator writes and reads the trace context in event data. Default:
	// W3C trace context (propagation.TraceContext). The call's trace headers
	// are always read as W3C trace context.
	Propagator propagation.TextMapPropagator
}

// ErrNoTracerProvider: Options.TracerProvider is nil.
var ErrNoTracerProvider = errors.New("inngest: otel: a TracerProvider is required")

// New returns the tracing middleware. Register it on the client so that sends
// carry the trace context, and first (outermost) so that the spans cover the
// other middleware.
func New(opts Options) (*inngest.Middleware, error) {
	if opts.TracerProvider == nil {
		return nil, ErrNoTracerProvider
	}
	t := &tracer{tr: opts.TracerProvider.Tracer(TracerName), prop: opts.Propagator}
	if t.prop == nil {
		t.prop = propagation.TraceContext{}
	}
	return &inngest.Middleware{
		Name:          "otel",
		BeforeCall:    t.beforeCall,
		AfterCall:     t.afterCall,
		BeforeStep:    t.beforeStep,
		AfterStep:     t.afterStep,
		OnPanic:       t.onPanic,
		TransformSend: t.send,
	}, nil
}

type tracer struct {
	tr   trace.Tracer
	prop propagation.TextMapPropagator
}

func (t *tracer) beforeCall(ctx context.Context, call inngest.CallInfo) context.Context {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(AttrRunID.String(call.RunID), AttrFunctionID.String(call.FunctionID),
			AttrAttempt.Int(call.Attempt), AttrReplaying.Bool(call.Replaying))}
	var sender trace.SpanContext
	if carrier := carrierOf(call.Event); carrier != nil {
		sender = trace.SpanContextFromContext(t.prop.Extract(context.Background(), carrier))
		ctx = t.prop.Extract(ctx, carrier) // the sender's span, and whatever else the propagator carries
	}
	if parent := headerParent(call); parent.IsValid() {
		// The server's trace wins: it is the one the other SDKs' spans join.
		// The span that sent the event is kept as a link.
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
		if sender.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sender}))
		}
	}
	ctx, _ = t.tr.Start(ctx, "inngest.call "+call.FunctionID, opts...)
	return ctx
}

// headerParent returns the span context of the call request's W3C trace
// headers; invalid when they are absent or malformed.
func headerParent(call inngest.CallInfo) trace.SpanContext {
	if call.TraceParent == "" {
		return trace.SpanContext{}
	}
	carrier := propagation.MapCarrier{"traceparent": call.TraceParent}
	if call.TraceState != "" {
		carrier["tracestate"] = call.TraceState
	}
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
}

func (t *tracer) afterCall(ctx context.Context, call inngest.CallInfo, err error) {
	end(trace.SpanFromContext(ctx), err)
}

func (t *tracer) beforeStep(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo) context.Context {
	ctx, _ = t.tr.Start(ctx, "inngest.step "+s.ID, trace.WithAttributes(AttrRunID.String(call.RunID),
		AttrFunctionID.String(call.FunctionID), AttrStepID.String(s.ID), AttrAttempt.Int(s.Attempt)))
	return ctx
}

func (t *tracer) afterStep(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, err error) {
	end(trace.SpanFromContext(ctx), err)
}

func (t *tracer) onPanic(ctx context.Context, call inngest.CallInfo, s *inngest.StepInfo, p *inngest.PanicError) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(AttrOutcome.String(OutcomePanic))
	span.AddEvent("panic", trace.WithAttributes(attribute.String("panic.value", p.Error())))
}

// end records the outcome and ends the span.
func end(span trace.Span, err error) {
	var pe *inngest.PanicError
	switch {
	case errors.As(err, &pe):
		span.SetAttributes(AttrOutcome.String(OutcomePanic))
		span.SetStatus(codes.Error, pe.Error())
	case err != nil:
		span.SetAttributes(AttrOutcome.String(OutcomeError))
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	default:
		span.SetAttributes(AttrOutcome.String(OutcomeOK))
		span.SetStatus(codes.Ok, "")
	}
	span.End()
}

// send writes the active span's context into the event's data.
func (t *tracer) send(ctx context.Context, ev *events.Envelope) error {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	carrier := propagation.MapCarrier{}
	t.prop.Inject(ctx, carrier)
	if len(carrier) == 0 {
		return nil
	}
	data := map[string]json.RawMessage{}
	if len(ev.Data) > 0 {
		if err := jsoncodec.Unmarshal(ev.Data, &data); err != nil {
			return nil // not an object: leave it alone
		}
	}
	c, err := jsoncodec.Marshal(carrier)
	if err != nil {
		return err
	}
	data[CarrierKey] = c
	b, err := jsoncodec.Marshal(data)
	if err != nil {
		return err
	}
	ev.Data = b
	return nil
}

// carrierOf reads the trace context from a received event's data.
func carrierOf(event json.RawMessage) propagation.MapCarrier {
	if len(event) == 0 {
		return nil
	}
	var ev struct {
		Data struct {
			Trace map[string]string `json:"_inngest_trace"`
		} `json:"data"`
	}
	if jsoncodec.Unmarshal(event, &ev) != nil || len(ev.Data.Trace) == 0 {
		return nil
	}
	return propagation.MapCarrier(ev.Data.Trace)
}
