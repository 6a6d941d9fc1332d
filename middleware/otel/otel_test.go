package otel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	inngestotel "github.com/seed-b02f2472/inngest-go/middleware/otel"
	"github.com/seed-b02f2472/inngest-go/step"
)

type order struct {
	ID string `json:"id"`
}

var orderPlaced = events.Define[order]("shop/order.placed")

func attr(s tracetest.SpanStub, k attribute.Key) attribute.Value {
	for _, kv := range s.Attributes {
		if kv.Key == k {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func named(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// TestTracesRunsAcrossEventsAndInvoke runs, on the embedded engine through the
// real handler, a function triggered by an event sent under a span; it runs a
// step, invokes a child function, and runs another step. Every call span of
// both runs is in the sender's trace (the parent run's calls are children of
// the sending span, the child run's calls children of the parent's call that
// invoked it); each step that ran has one span (none for replays) with the run
// id, function id, step id, attempt and outcome.
func TestTracesRunsAcrossEventsAndInvoke(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mw, err := inngestotel.New(inngestotel.Options{TracerProvider: tp})
	require.NoError(t, err)

	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.NewClient(t, inngest.ClientOptions{AppID: "traced", Middleware: []*inngest.Middleware{mw}})
	child, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.InvokeOnly[order](),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			return step.Run(ctx, "c", func(ctx context.Context) (string, error) { return "child-" + in.Event.Data.ID, nil })
		})
	require.NoError(t, err)
	parent, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(orderPlaced),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "a", nil })
			if err != nil {
				return "", err
			}
			r, err := step.Invoke(ctx, "call-child", child.Ref(), order{ID: in.Event.Data.ID}, time.Hour)
			if err != nil {
				return "", err
			}
			b, err := step.Run(ctx, "b", func(ctx context.Context) (string, error) { return "", errors.New("b fails once") })
			_ = b
			return a + r, err
		})
	require.NoError(t, err)
	env.ServeClient(t, c, child, parent)

	ctx, root := tp.Tracer("test").Start(context.Background(), "checkout")
	ids, err := c.Send(ctx, orderPlaced.New(order{ID: "o-7"}))
	root.End()
	require.NoError(t, err)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.NoError(t, tp.ForceFlush(context.Background()))
	spans := exp.GetSpans()

	rootSC := root.SpanContext()
	parentCalls := named(spans, "inngest.call traced-parent")
	childCalls := named(spans, "inngest.call traced-child")
	require.NotEmpty(t, parentCalls)
	require.NotEmpty(t, childCalls)
	parentCallIDs := map[string]bool{}
	for _, s := range parentCalls {
		require.Equal(t, rootSC.TraceID(), s.SpanContext.TraceID(), "parent call in the sender's trace")
		require.Equal(t, rootSC.SpanID(), s.Parent.SpanID(), "parent call is a child of the sending span")
		require.Equal(t, run.ID, attr(s, inngestotel.AttrRunID).AsString())
		require.Equal(t, "traced-parent", attr(s, inngestotel.AttrFunctionID).AsString())
		parentCallIDs[s.SpanContext.SpanID().String()] = true
	}
	for _, s := range childCalls {
		require.Equal(t, rootSC.TraceID(), s.SpanContext.TraceID(), "child call in the same trace")
		require.True(t, parentCallIDs[s.Parent.SpanID().String()], "child call's parent is the parent run's call that invoked it")
		require.NotEqual(t, run.ID, attr(s, inngestotel.AttrRunID).AsString())
	}

	// One span per step that ran: a and c once; b once per attempt (it fails
	// every time: 5 attempts with the default retries); never for a replay.
	for id, n := range map[string]int{"a": 1, "c": 1, "b": 5} {
		got := named(spans, "inngest.step "+id)
		require.Len(t, got, n, "step %s", id)
		for i, s := range got {
			require.Equal(t, id, attr(s, inngestotel.AttrStepID).AsString())
			require.Equal(t, rootSC.TraceID(), s.SpanContext.TraceID())
			if id == "b" {
				require.Equal(t, inngestotel.OutcomeError, attr(s, inngestotel.AttrOutcome).AsString())
				require.Equal(t, int64(i), attr(s, inngestotel.AttrAttempt).AsInt64())
			} else {
				require.Equal(t, inngestotel.OutcomeOK, attr(s, inngestotel.AttrOutcome).AsString())
			}
		}
	}
	// Calls end with an outcome; the last parent call failed.
	outcomes := map[string]int{}
	for _, s := range parentCalls {
		outcomes[attr(s, inngestotel.AttrOutcome).AsString()]++
	}
	require.Positive(t, outcomes[inngestotel.OutcomeError], outcomes)
}

func TestNewNeedsATracerProvider(t *testing.T) {
	t.Parallel()
	_, err := inngestotel.New(inngestotel.Options{})
	require.ErrorIs(t, err, inngestotel.ErrNoTracerProvider)
}
