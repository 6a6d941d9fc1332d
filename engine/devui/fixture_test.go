package devui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Greeting is the data of the fixture's events.
type Greeting struct {
	Name string `json:"name"`
}

var (
	greetEv    = events.Define[Greeting]("demo/user.greeted")
	napEv      = events.Define[Greeting]("demo/user.napped")
	waitEv     = events.Define[Greeting]("demo/user.waited")
	approvedEv = events.Define[Greeting]("demo/user.approved")
	parentEv   = events.Define[Greeting]("demo/user.parented")
)

// fixture is an engine on a manual virtual clock with an app whose functions
// use each kind of step, and the UI served in front of it.
type fixture struct {
	env *inngesttest.Env
	eng *engine.Engine
	ui  *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "demo", ManualClock: true})
	c := env.Client()
	greet, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent(greetEv),
		func(ctx context.Context, in inngest.Input[Greeting]) (map[string]string, error) {
			msg, err := step.Run(ctx, "compose", func(context.Context) (string, error) {
				return "hello " + in.Event.Data.Name, nil
			})
			if err != nil {
				return nil, err
			}
			n, err := step.Run(ctx, "count", func(context.Context) (int, error) { return len(msg), nil })
			if err != nil {
				return nil, err
			}
			return map[string]string{"message": msg, "length": fmt.Sprint(n)}, nil
		})
	require.NoError(t, err)
	nap, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "nap", Concurrency: []inngest.Concurrency{{Limit: 3}}}, inngest.OnEvent(napEv),
		func(ctx context.Context, in inngest.Input[Greeting]) (string, error) {
			if _, err := step.Run(ctx, "before", func(context.Context) (string, error) { return "tired", nil }); err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(context.Context) (string, error) { return "rested", nil })
		})
	require.NoError(t, err)
	wait, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "wait"}, inngest.OnEvent(waitEv),
		func(ctx context.Context, in inngest.Input[Greeting]) (bool, error) {
			_, ok, err := step.WaitForEvent(ctx, "approval", approvedEv, 2*time.Hour, step.WaitOpts{If: "async.data.name == event.data.name"})
			return ok, err
		})
	require.NoError(t, err)
	parent, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(parentEv),
		func(ctx context.Context, in inngest.Input[Greeting]) (map[string]string, error) {
			return step.Invoke(ctx, "call-greet", greet.Ref(), Greeting{Name: "child of " + in.Event.Data.Name}, time.Hour)
		})
	require.NoError(t, err)
	env.Serve(greet, nap, wait, parent)
	ui := httptest.NewServer(devui.Handler(env.Engine(), devui.Options{Refresh: 100 * time.Millisecond}))
	t.Cleanup(ui.Close)
	return &fixture{env: env, eng: env.Engine(), ui: ui}
}

// waitRun waits for the event's first run to reach status.
func (f *fixture) waitRun(t *testing.T, eventID string, status runtype.Status) runtype.Run {
	t.Helper()
	var out runtype.Run
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, f.eng.WaitFor(ctx, func([]runtype.Run) bool {
		rs := must(f.eng.RunsForEvent(eventID))
		if len(rs) == 0 || rs[0].Status != status {
			return false
		}
		out = rs[0]
		return f.eng.Idle()
	}), "run of %s never reached %s", eventID, status)
	return out
}
