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

type signup struct {
	Email string `json:"email"`
}

var userSignedUp = events.Define[signup]("app/user.signed-up")

func TestSimpleEventFunction(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "welcome"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			return "hello " + in.Event.Data.Email, nil
		})
	require.NoError(t, err)
	env.Serve(fn)
	ids := env.Send(t, userSignedUp.New(signup{Email: "a@example.com"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	inngesttest.RequireOutput(t, run, `"hello a@example.com"`)
	require.Equal(t, "hello a@example.com", inngesttest.DecodeOutput[string](t, run))
	require.Equal(t, "test-app-welcome", run.FunctionID)
}

func TestMultiStepWithSleep(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	start := env.Now()
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "onboarding"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (map[string]string, error) {
			a, err := step.Run(ctx, "create-account", func(ctx context.Context) (string, error) { return "acct-" + in.Event.Data.Email, nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "wait-30s", 30*time.Second); err != nil {
				return nil, err
			}
			b, err := step.Run(ctx, "send-email", func(ctx context.Context) (string, error) { return "sent to " + a, nil })
			return map[string]string{"account": a, "email": b}, err
		})
	require.NoError(t, err)
	env.Serve(fn)
	ids := env.Send(t, userSignedUp.New(signup{Email: "b@example.com"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `{"account":"acct-b@example.com","email":"sent to acct-b@example.com"}`)
	inngesttest.RequireStepRan(t, run, "create-account")
	inngesttest.RequireStepRan(t, run, "wait-30s")
	inngesttest.RequireStepRan(t, run, "send-email")
	require.Equal(t, "acct-b@example.com", inngesttest.DecodeStep[string](t, run, "create-account"))
	require.GreaterOrEqual(t, run.EndedAt.Sub(start), 30*time.Second)
	require.GreaterOrEqual(t, env.Now().Sub(start), 30*time.Second)
}
