package serve_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// Out-of-range step arguments are errors (non-retriable, naming the step), never
// silently changed into something the user did not ask for.
func TestStepArgumentsOutOfRange(t *testing.T) {
	t.Parallel()
	child := inngest.Ref[[]int, int]("wirecap-child")
	for _, tc := range []struct {
		name    string
		call    func(ctx context.Context) error
		wantErr error
	}{
		{"sleep over a year", func(ctx context.Context) error { return step.Sleep(ctx, "s", step.MaxSleep+time.Hour) }, step.ErrDurationOutOfRange},
		{"negative sleep", func(ctx context.Context) error { return step.Sleep(ctx, "s", -time.Second) }, step.ErrDurationOutOfRange},
		{"sleep until in two years", func(ctx context.Context) error {
			return step.SleepUntil(ctx, "s", time.Now().Add(2*step.MaxSleep))
		}, step.ErrDurationOutOfRange},
		{"wait without timeout", func(ctx context.Context) error {
			_, _, err := step.WaitForEvent(ctx, "w", evTest, 0)
			return err
		}, step.ErrDurationOutOfRange},
		{"wait over a year", func(ctx context.Context) error {
			_, _, err := step.WaitForEvent(ctx, "w", evTest, step.MaxWait+time.Hour)
			return err
		}, step.ErrDurationOutOfRange},
		{"invoke with an array", func(ctx context.Context) error {
			_, err := step.Invoke(ctx, "i", child, []int{1, 2}, time.Minute)
			return err
		}, step.ErrInvokeData},
		{"invoke with a negative timeout", func(ctx context.Context) error {
			_, err := step.Invoke(ctx, "i", child, []int{}, -time.Minute)
			return err
		}, step.ErrDurationOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got error
			c, _ := devClient(t, inngest.ClientOptions{})
			h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "limits"}, inngest.OnEvent(evTest),
				func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
					got = tc.call(ctx)
					return "", got
				}))
			rec := post(h, "wirecap-limits", "", call{}.body())
			require.ErrorIs(t, got, tc.wantErr)
			var nr *inngest.NoRetryError
			require.True(t, errors.As(got, &nr), "non-retriable: %v", got)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
		})
	}
}

// The limits themselves are accepted.
func TestStepArgumentsAtTheLimits(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "at-limits"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return "", step.Sleep(ctx, "year", step.MaxSleep)
		}))
	rec := post(h, "wirecap-at-limits", "", call{}.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	require.Equal(t, "Sleep", decodeOps(t, rec.Body.Bytes())[0].Op)
}
