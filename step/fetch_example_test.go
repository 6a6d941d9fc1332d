package step_test

import (
	"context"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

func ExampleFetchJSON() {
	type rate struct {
		Rate float64 `json:"rate"`
	}
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "convert"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			r, _, err := step.FetchJSON[rate](ctx, "eur-usd", step.FetchRequest{URL: "https://rates.example/eur?to=usd"})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("rate %.2f", r.Rate), nil
		})
	h := serve.Handler(c, fn)
	// The function asks Inngest to make the request.
	callOnce(h, "shop-convert", "step", signupEvent, `{}`)
	// Inngest made it and memoized the answer.
	callOnce(h, "shop-convert", "step", signupEvent, `{"`+wire.HashID("eur-usd", 0)+`":{"data":{"url":"https://rates.example/eur?to=usd","status_code":200,"headers":{"Content-Type":"application/json"},"body":"{\"rate\":1.08}"}}}`)
	// Output:
	// 206 Gateway eur-usd {"url":"https://rates.example/eur?to=usd","method":"GET","body":""}
	// 200 "rate 1.08"
}

func ExampleFetchClient() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ping"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (int, error) {
			// Existing net/http code: only the client changes.
			resp, err := step.FetchClient(ctx).Post("https://hooks.example/ping", "application/json", nil)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return resp.StatusCode, nil
		})
	h := serve.Handler(c, fn)
	callOnce(h, "shop-ping", "step", signupEvent, `{}`)
	callOnce(h, "shop-ping", "step", signupEvent, `{"`+wire.HashID("POST https://hooks.example/ping", 0)+`":{"data":{"url":"https://hooks.example/ping","status_code":202,"headers":{},"body":""}}}`)
	// Output:
	// 206 Gateway POST https://hooks.example/ping {"url":"https://hooks.example/ping","method":"POST","headers":{"Content-Type":"application/json"},"body":""}
	// 200 202
}
