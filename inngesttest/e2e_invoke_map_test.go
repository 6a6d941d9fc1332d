package inngesttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

var countsEvent = events.Define[map[string]int]("app/counts.sent")

// TestInvokeFunctionWithMapOfScalars: functions whose event data is a map of
// scalars (map[string]string without a schema, map[string]int with its
// definition's schema) run when invoked. The server adds an "_inngest" object to
// an invoked event's data (testdata/wire/invoke.jsonl); it is removed before
// validation and decoding, so neither the schema check nor the decode into a
// string or int value fails on it, and the map holds only the payload.
func TestInvokeFunctionWithMapOfScalars(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "maps"})
	labels, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "labels"}, inngest.InvokeOnly[map[string]string](),
		func(ctx context.Context, in inngest.Input[map[string]string]) (map[string]string, error) {
			return in.Event.Data, nil
		})
	require.NoError(t, err)
	counts, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "counts"}, inngest.OnEvent(countsEvent),
		func(ctx context.Context, in inngest.Input[map[string]int]) (int, error) {
			sum := 0
			for _, v := range in.Event.Data {
				sum += v
			}
			return sum*100 + len(in.Event.Data), nil
		})
	require.NoError(t, err)
	type out struct {
		Labels map[string]string `json:"labels"`
		Sum    int               `json:"sum"`
	}
	parent, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (out, error) {
			l, err := step.Invoke(ctx, "labels", labels.Ref(), map[string]string{"env": "prod", "team": "core"}, time.Minute)
			if err != nil {
				return out{}, err
			}
			s, err := step.Invoke(ctx, "counts", counts.Ref(), map[string]int{"a": 1, "b": 2}, time.Minute)
			if err != nil {
				return out{}, err
			}
			return out{Labels: l, Sum: s}, nil
		})
	require.NoError(t, err)
	env.Serve(labels, counts, parent)

	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{N: 1}))[0])
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireOutput(t, run, `{"labels":{"env":"prod","team":"core"},"sum":302}`)
	for _, fn := range []string{"maps-labels", "maps-counts"} {
		c := env.WaitForFunction(t, fn)
		inngesttest.RequireCompleted(t, c)
		require.Equal(t, inngest.InvokeEventName, c.EventName(), fn)
	}

	// The same function still runs from its own event.
	own := env.WaitForRun(t, env.Send(t, countsEvent.New(map[string]int{"c": 3}))[0])
	inngesttest.RequireCompleted(t, own)
	inngesttest.RequireOutput(t, own, `301`)
}
