package serve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// The server appends &stepId=<hash> to the registered runtime URL, which already ends
// in stepId=step: the handler must take the last value as the target.
func TestTargetedCallWithAppendedStepID(t *testing.T) {
	t.Parallel()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "app", Mode: inngest.ModeDev})
	require.NoError(t, err)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "par"}, inngest.OnEvent(smokeEvent),
		func(ctx context.Context, in inngest.Input[smokeIn]) ([]int, error) {
			return step.Parallel(ctx,
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "one", func(ctx context.Context) (int, error) { return 1, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "two", func(ctx context.Context) (int, error) { return 2, nil })
				})
		})
	require.NoError(t, err)
	h := serve.Handler(c, fn)
	target := wire.HashID("two", 0)
	body := `{"ctx":{"attempt":0,"disable_immediate_execution":true,"fn_id":"x","max_attempts":5,"run_id":"r1","stack":{"current":0,"stack":[]},"step_id":"step"},"event":{"data":{"name":"bob"},"id":"e1","name":"test/smoke.started","ts":1,"user":{}},"events":[],"steps":{},"use_api":false,"version":2}`
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-par&stepId=step&stepId="+target, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"op":"StepRun","id":"`+target+`"`)
	require.NotContains(t, rec.Body.String(), "StepPlanned")
}
