package serve_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

type signupV2 struct {
	Email string `json:"email"`
	Plan  string `json:"plan"` // required since "this deploy"
}

var evSignupV2 = events.Define[signupV2]("wirecap/user.signed-up")

// Schema validation of the trigger event applies to a run's first call only: a run
// that already has memoized steps (its event was accepted then) is never failed
// by a schema that changed since, e.g. a deploy that adds a required field.
func TestValidationOnlyOnFirstCall(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c, mustFn(t, c, inngest.FunctionOpts{ID: "signup"}, inngest.OnEvent(evSignupV2),
		func(ctx context.Context, in inngest.Input[signupV2]) (string, error) {
			email, err := step.Run(ctx, "read", func(ctx context.Context) (string, error) { return in.Event.Data.Email, nil })
			if err != nil {
				return "", err
			}
			return step.Run(ctx, "greet", func(ctx context.Context) (string, error) { return "hi " + email, nil })
		}))
	old := call{Event: "wirecap/user.signed-up", Data: `{"email":"ada@example.com"}`} // no "plan": an older producer

	rec := post(h, "wirecap-signup", "", old.body())
	require.Equal(t, http.StatusBadRequest, rec.Code, "a first call still validates: %s", rec.Body.String())
	require.Contains(t, rec.Body.String(), "plan", "the error names the field")
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))

	old.Steps = fmt.Sprintf(`{%q:{"data":"ada@example.com"}}`, wire.HashID("read", 0))
	rec = post(h, "wirecap-signup", "", old.body())
	require.Equal(t, http.StatusPartialContent, rec.Code, "a started run goes on: %s", rec.Body.String())
	ops := decodeOps(t, rec.Body.Bytes())
	require.Equal(t, "greet", ops[0].Name)
	require.JSONEq(t, `"hi ada@example.com"`, string(ops[0].Data))
}
