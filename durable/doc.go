// Package durable makes the steps inside an ordinary net/http handler durable
// (Inngest's "durable endpoints", the server's sync runs).
//
// Wrap a handler with [Handler] and call step tools with the request's context:
//
//	h := durable.Handler(client, durable.Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		order, err := step.Run(r.Context(), "charge", func(ctx context.Context) (Order, error) { return charge(ctx) })
//		if err != nil { ... }
//		_, _ = step.Run(r.Context(), "email", func(ctx context.Context) (bool, error) { return true, mail(ctx, order) })
//		w.WriteHeader(http.StatusCreated)
//	}))
//
// Each request is one run in Inngest. Its steps run inline, in the request,
// and each is checkpointed to Inngest as it completes (POST /v1/checkpoint
// creates the run with the first step, POST /v1/checkpoint/{run}/steps adds
// the next ones). When the handler returns, its response is recorded as the
// run's result and sent to the client.
//
// When the request cannot finish inline — a step fails and has retries left,
// the handler panics outside a step, the client goes away, or the handler
// uses a step that waits (step.Sleep, step.WaitForEvent, step.Invoke, ...) —
// the steps so far and the reason are checkpointed and Inngest finishes the
// run asynchronously: it calls the same URL again, with the same method,
// query and body, and headers X-Run-Id and X-Inngest-Signature. [Handler]
// recognizes that call, loads the completed steps from Inngest, and runs the
// handler again: completed steps return their recorded results without
// running, and the remaining steps run one per call, as in any Inngest
// function, until the handler returns. The client of the first request gets
// [Options.OnAsync]'s response instead (by default a redirect to a URL that
// waits for the run's result).
//
// The handler must therefore be deterministic up to its steps: everything
// with side effects belongs in a step, and it must not rely on what it wrote
// to the ResponseWriter before a step that went asynchronous, since only the
// last call's response is kept.
package durable
