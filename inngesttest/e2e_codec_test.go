package inngesttest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// timed holds the values on which the module's codec once differed from
// encoding/json: a Duration (written as "5s"), an omitzero field (written anyway)
// and a Duration inside any and a map.
type timed struct {
	Wait  time.Duration            `json:"wait"`
	Skip  time.Time                `json:"skip,omitzero"`
	Any   any                      `json:"any"`
	ByKey map[string]time.Duration `json:"by_key"`
	Ptr   *time.Duration           `json:"ptr"`
}

var timedEvent = events.Define[timed]("app/timed.sent")

func newTimed() timed {
	d := 3 * time.Millisecond
	return timed{Wait: 5 * time.Second, Any: time.Minute, ByKey: map[string]time.Duration{"a": time.Hour}, Ptr: &d}
}

// TestUserValuesKeepEncodingJSONSemantics sends an event holding a Duration, runs a
// step returning one, and invokes a child with one, through the real handler: the
// event is accepted by its own schema, the child gets the value, the step replays
// the value it returned, and every recorded JSON is encoding/json's bytes.
func TestUserValuesKeepEncodingJSONSemantics(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "codec"})
	child, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "child"}, inngest.InvokeOnly[timed](),
		func(ctx context.Context, in inngest.Input[timed]) (time.Duration, error) {
			return in.Event.Data.Wait + *in.Event.Data.Ptr, nil
		})
	require.NoError(t, err)
	type out struct {
		Step    time.Duration `json:"step"`
		Invoked time.Duration `json:"invoked"`
		Event   timed         `json:"event"`
	}
	parent, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(timedEvent),
		func(ctx context.Context, in inngest.Input[timed]) (out, error) {
			d, err := step.Run(ctx, "dur", func(ctx context.Context) (time.Duration, error) { return 90 * time.Second, nil })
			if err != nil {
				return out{}, err
			}
			got, err := step.Invoke(ctx, "call-child", child.Ref(), in.Event.Data, time.Minute)
			if err != nil {
				return out{}, err
			}
			return out{Step: d, Invoked: got, Event: in.Event.Data}, nil
		})
	require.NoError(t, err)
	env.Serve(child, parent)

	sent := newTimed()
	run := env.WaitForRun(t, env.Send(t, timedEvent.New(sent))[0])
	inngesttest.RequireCompleted(t, run)
	// The step ran once and was replayed from its memo on the later calls.
	inngesttest.RequireStepAttempts(t, run, "dur", 1)
	require.Equal(t, 90*time.Second, inngesttest.DecodeStep[time.Duration](t, run, "dur"))

	want := out{Step: 90 * time.Second, Invoked: 5*time.Second + 3*time.Millisecond, Event: sent}
	// Decoded values are a map[string]any's float64 for the any field.
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	inngesttest.RequireOutput(t, run, string(wantJSON))
	require.Contains(t, string(wantJSON), `"wait":5000000000`)
	require.NotContains(t, string(wantJSON), `"skip"`)

	c := env.WaitForFunction(t, "codec-child")
	inngesttest.RequireCompleted(t, c)
	inngesttest.RequireOutput(t, c, "5003000000")
}

// TestStepResultEncodingErrorsAsEncodingJSON: a step returning a time.Time in year
// 10000 fails for good (encoding/json refuses it), as it would with encoding/json,
// instead of recording a value the decoder rejects on replay.
func TestStepResultEncodingErrorsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "codec"})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "far"}, inngest.OnEvent(tick),
		func(ctx context.Context, in inngest.Input[tickData]) (time.Time, error) {
			return step.Run(ctx, "far", func(ctx context.Context) (time.Time, error) {
				return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil
			})
		})
	require.NoError(t, err)
	env.Serve(fn)
	_, wantErr := json.Marshal(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Error(t, wantErr)
	run := env.WaitForRun(t, env.Send(t, tick.New(tickData{N: 1}))[0])
	inngesttest.RequireFailed(t, run)
	require.NotNil(t, run.Error)
	require.Contains(t, run.Error.Message, "encoding step result")
	require.Contains(t, run.Error.Message, "year outside of range [0,9999]")
}
