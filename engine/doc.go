// Package engine is an embedded Inngest server: the server side of the Inngest
// SDK HTTP protocol, run in process. It accepts syncs (POST /fn/register) and
// events (POST /e/{key}), and drives function runs by calling the app's serve
// endpoint over HTTP exactly as the open-source dev server does: canonical
// request bodies, memoized step state, the opcode state machine (StepRun,
// StepPlanned, Sleep, WaitForEvent, InvokeFunction, StepError/StepFailed, …),
// retries, lifecycle events (function.finished/failed/cancelled) and flow
// control (concurrency, throttle, rate limit, idempotency, debounce, batching,
// singleton, priority, cancellation and timeouts).
//
// Use it in tests with a VirtualClock (see VirtualClock) so that sleeps and
// timeouts pass instantly, or run it as a local dev server (cmd/devserver).
package engine
