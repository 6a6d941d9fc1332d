package step_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type signup struct {
	Email string `json:"email"`
}

var userSignedUp = events.Define[signup]("app/user.signed-up")

const signupEvent = `{"name":"app/user.signed-up","data":{"email":"ada@example.com"},"id":"01KE","ts":1}`

func ExampleRun() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "welcome"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			return step.Run(ctx, "greet", func(ctx context.Context) (string, error) {
				return "hello " + in.Event.Data.Email, nil
			})
		})
	h := serve.Handler(c, fn)
	// First call: the step runs and its result is reported.
	callOnce(h, "shop-welcome", "step", signupEvent, `{}`)
	// Next call: the result is memoized, so the function completes.
	callOnce(h, "shop-welcome", "step", signupEvent, `{"`+wire.HashID("greet", 0)+`":{"data":"hello ada@example.com"}}`)
	// Output:
	// 206 StepRun greet "hello ada@example.com"
	// 200 "hello ada@example.com"
}

func ExampleSleep() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "reminder"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return "reminded", nil
		})
	h := serve.Handler(c, fn)
	callOnce(h, "shop-reminder", "step", signupEvent, `{}`)
	// A completed sleep is memoized as null.
	callOnce(h, "shop-reminder", "step", signupEvent, `{"`+wire.HashID("wait-a-day", 0)+`":null}`)
	// Output:
	// 206 Sleep wait-a-day {"duration":"1d"}
	// 200 "reminded"
}

func ExampleWaitForEvent() {
	type confirmation struct {
		Email string `json:"email"`
	}
	confirmed := events.Define[confirmation]("app/user.confirmed")
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "confirm"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			ev, ok, err := step.WaitForEvent(ctx, "confirmation", confirmed, time.Hour,
				step.WaitOpts{If: "async.data.email == event.data.email"})
			if err != nil || !ok {
				return "not confirmed", err
			}
			return "confirmed " + ev.Data.Email, nil
		})
	h := serve.Handler(c, fn)
	hash := wire.HashID("confirmation", 0)
	callOnce(h, "shop-confirm", "step", signupEvent, `{}`)
	callOnce(h, "shop-confirm", "step", signupEvent, `{"`+hash+`":{"name":"app/user.confirmed","data":{"email":"ada@example.com"},"id":"01KF","ts":2}}`)
	callOnce(h, "shop-confirm", "step", signupEvent, `{"`+hash+`":null}`)
	// Output:
	// 206 WaitForEvent confirmation {"event":"app/user.confirmed","timeout":"1h","if":"async.data.email == event.data.email"}
	// 200 "confirmed ada@example.com"
	// 200 "not confirmed"
}

func ExampleParallel() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "fan-out"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) ([]string, error) {
			branch := func(id string) func(ctx context.Context) (string, error) {
				return func(ctx context.Context) (string, error) {
					return step.Run(ctx, id, func(ctx context.Context) (string, error) { return id + " done", nil })
				}
			}
			return step.Parallel(ctx, branch("email"), branch("crm"))
		})
	h := serve.Handler(c, fn)
	// Discovery: both steps are planned together.
	callOnce(h, "shop-fan-out", "step", signupEvent, `{}`)
	// The server then runs each one with a targeted call.
	callOnce(h, "shop-fan-out", wire.HashID("crm", 0), signupEvent, `{}`)
	// Output:
	// 206 StepPlanned email
	// 206 StepPlanned crm
	// 206 StepRun crm "crm done"
}

func ExampleInvoke() {
	type sumIn struct {
		Numbers []int `json:"numbers"`
	}
	c := newClient()
	sum, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "sum"}, inngest.InvokeOnly[sumIn](),
		func(ctx context.Context, in inngest.Input[sumIn]) (int, error) {
			t := 0
			for _, n := range in.Event.Data.Numbers {
				t += n
			}
			return t, nil
		})
	parent, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (int, error) {
			return step.Invoke(ctx, "add", sum.Ref(), sumIn{Numbers: []int{1, 2, 3}}, time.Minute)
		})
	h := serve.Handler(c, sum, parent)
	callOnce(h, "shop-parent", "step", signupEvent, `{}`)
	callOnce(h, "shop-parent", "step", signupEvent, `{"`+wire.HashID("add", 0)+`":{"data":6}}`)
	// Output:
	// 206 InvokeFunction add {"function_id":"shop-sum","payload":{"data":{"numbers":[1,2,3]},"user":{}},"timeout":"1m"}
	// 200 6
}

func ExampleSendEvent() {
	// A stand-in for the event API.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("event API:", r.Method, r.URL.Path)
		_, _ = w.Write([]byte(`{"ids":["01KSENT"],"status":200}`))
	}))
	defer api.Close()
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, EventAPIBaseURL: api.URL,
		EventKey: "example-key", Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "notify"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) ([]string, error) {
			return step.SendEvent(ctx, "send-welcome", userSignedUp.New(signup{Email: "grace@example.com"}))
		})
	callOnce(serve.Handler(c, fn), "shop-notify", "step", signupEvent, `{}`)
	// Output:
	// event API: POST /e/example-key
	// 206 StepRun send-welcome {"type":"step.sendEvent"} ["01KSENT"]
}
