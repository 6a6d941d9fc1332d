package main

import (
	"context"
	"fmt"
	"io"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/seed-b02f2472/inngest-go/inngest"
	inngestotel "github.com/seed-b02f2472/inngest-go/middleware/otel"
)

// tracing is the --trace flag's OpenTelemetry setup.
type tracing struct {
	tp  *sdktrace.TracerProvider
	mem *tracetest.InMemoryExporter
	mw  *inngest.Middleware
}

// newTracing sets up tracing for mode: "" (off: nil), "stdout" (each span
// printed as JSON to w when it ends) or "memory" (spans kept; summary prints
// a count).
func newTracing(mode string, w io.Writer) (*tracing, error) {
	t := &tracing{}
	switch mode {
	case "":
		return nil, nil
	case "stdout":
		exp, err := stdouttrace.New(stdouttrace.WithWriter(w))
		if err != nil {
			return nil, err
		}
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	case "memory":
		t.mem = tracetest.NewInMemoryExporter()
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(t.mem))
	default:
		return nil, fmt.Errorf("--trace: want stdout or memory, got %q", mode)
	}
	mw, err := inngestotel.New(inngestotel.Options{TracerProvider: t.tp})
	if err != nil {
		return nil, err
	}
	t.mw = mw
	return t, nil
}

// summary describes the spans kept in memory ("" for other modes).
func (t *tracing) summary() string {
	if t == nil || t.mem == nil {
		return ""
	}
	spans := t.mem.GetSpans()
	traces := map[string]bool{}
	calls, steps := 0, 0
	for _, s := range spans {
		traces[s.SpanContext.TraceID().String()] = true
		switch {
		case len(s.Name) > 13 && s.Name[:13] == "inngest.call ":
			calls++
		case len(s.Name) > 13 && s.Name[:13] == "inngest.step ":
			steps++
		}
	}
	return fmt.Sprintf("tracing: %d spans (%d calls, %d steps that ran) in %d traces", len(spans), calls, steps, len(traces))
}

func (t *tracing) shutdown(ctx context.Context) {
	if t != nil {
		_ = t.tp.Shutdown(ctx)
	}
}
