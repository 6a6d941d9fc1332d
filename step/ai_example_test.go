package step_test

import (
	"context"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

func ExampleInfer() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "classify"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			res, err := step.Infer[step.OpenAIChatRequest, step.OpenAIChatResponse](ctx, "classify",
				step.OpenAI("sk-test", "https://llm.example/v1"),
				step.OpenAIChatRequest{Model: "small", Messages: []step.OpenAIMessage{{Role: "user", Content: "classify " + in.Event.Data.Email}}})
			if err != nil {
				return "", err
			}
			return res.Text(), nil
		})
	h := serve.Handler(c, fn)
	// Inngest is asked to make the request ...
	callOnce(h, "shop-classify", "step", signupEvent, `{}`)
	// ... and memoizes the provider's answer.
	callOnce(h, "shop-classify", "step", signupEvent, `{"`+wire.HashID("classify", 0)+`":{"data":{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"personal"}}]}}}`)
	// Output:
	// 206 AIGateway classify {"url":"https://llm.example/v1/chat/completions","auth_key":"sk-test","format":"openai-chat","body":{"model":"small","messages":[{"role":"user","content":"classify ada@example.com"}]}}
	// 200 "personal"
}

func ExampleWrap() {
	c := newClient()
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "summarise"}, inngest.OnEvent(userSignedUp),
		func(ctx context.Context, in inngest.Input[signup]) (string, error) {
			prompt := "welcome " + in.Event.Data.Email
			return step.Wrap(ctx, "draft", func(ctx context.Context) (string, error) {
				return "Hello Ada!", nil // your own model client's call
			}, prompt)
		})
	h := serve.Handler(c, fn)
	callOnce(h, "shop-summarise", "step", signupEvent, `{}`)
	// Output:
	// 206 StepRun draft {"type":"step.ai.wrap","input":["welcome ada@example.com"]} "Hello Ada!"
}
