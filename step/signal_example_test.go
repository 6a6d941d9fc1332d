package step_test

import (
	"context"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

func ExampleWaitForSignal() {
	type decision struct {
		Approved bool `json:"approved"`
	}
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "review"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			sig, ok, err := step.WaitForSignal[decision](ctx, "review", "review-"+in.Event.Data.Email, 24*time.Hour)
			if err != nil || !ok {
				return "no decision", err
			}
			return fmt.Sprintf("%s: approved=%t", sig.Name, sig.Data.Approved), nil
		})
	h := serve.Handler(c, fn)
	hash := wire.HashID("review", 0)
	// The function waits for the signal.
	callOnce(h, "shop-review", "step", signupEvent, `{}`)
	// A signal arrived: the server memoizes its name and data.
	callOnce(h, "shop-review", "step", signupEvent, `{"`+hash+`":{"data":{"signal":"review-ada@example.com","data":{"approved":true}}}}`)
	// The wait timed out: the step is memoized as null.
	callOnce(h, "shop-review", "step", signupEvent, `{"`+hash+`":null}`)
	// Output:
	// 206 WaitForSignal review {"signal":"review-ada@example.com","timeout":"1d","conflict":"fail"}
	// 200 "review-ada@example.com: approved=true"
	// 200 "no decision"
}
