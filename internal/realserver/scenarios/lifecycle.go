package scenarios

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// ofApp is a trigger expression keeping the lifecycle events of app's runs.
func ofApp(app string) string {
	return "event.data.function_id.startsWith('" + app + "-')"
}

// farFuture is a SleepUntil target more than a year away from any recording or
// replay, fixed so that the server's error message is the same on both sides.
var farFuture = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// lifecycleScenarios are the lifecycle, invoke-failure and bounds scenarios
// (issue 10).
func lifecycleScenarios() []*Scenario {
	return []*Scenario{
		{
			Name: "lifecycle",
			About: "lifecycle events: a completed, a failed and a cancelled run, watched by functions on inngest/function.finished, " +
				".failed (which fails itself, like a failing onFailure handler) and .cancelled; runs started by function.finished or " +
				".failed emit no lifecycle events (no loop), runs started by function.cancelled do",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "work"}, On: "rs/lifecycle.work"},
				{Opts: inngest.FunctionOpts{ID: "doomed"}, On: "rs/lifecycle.doomed", Fail: true},
				{Opts: inngest.FunctionOpts{ID: "cancellable", CancelOn: []inngest.CancelOn{{Event: events.Name("rs/lifecycle.stop")}}},
					On: "rs/lifecycle.sleep", Sleep: 4 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "on-finished"}, On: "inngest/function.finished", If: ofApp("rs-lifecycle")},
				{Opts: inngest.FunctionOpts{ID: "on-failed"}, On: "inngest/function.failed", If: ofApp("rs-lifecycle"), Fail: true},
				// It works 500 ms so that its own function.finished comes
				// clearly after the cancelled run's.
				{Opts: inngest.FunctionOpts{ID: "on-cancelled"}, On: "inngest/function.cancelled", If: ofApp("rs-lifecycle"), Hold: 500 * ms},
			},
			Events: []Event{
				ev(0, "rs/lifecycle.work", ""), ev(300*ms, "rs/lifecycle.doomed", ""), ev(600*ms, "rs/lifecycle.sleep", ""),
				ev(1500*ms, "rs/lifecycle.stop", ""),
			},
			Settle: 6 * time.Second,
		},
		{
			Name: "invoke-failures",
			About: "invoke failure modes: the child fails, the child outlives a 2 s invoke timeout, the function does not exist, " +
				"the child is cancelled at 1.5 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "call-fails"}, On: "rs/invoke-failures.fails", Invoke: "child-fails"},
				{Opts: inngest.FunctionOpts{ID: "call-timeout"}, On: "rs/invoke-failures.timeout", Invoke: "child-sleeps", InvokeTimeout: 2 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "call-missing"}, On: "rs/invoke-failures.missing", Invoke: "nope"},
				{Opts: inngest.FunctionOpts{ID: "call-cancelled"}, On: "rs/invoke-failures.cancelled", Invoke: "child-cancellable"},
				{Opts: inngest.FunctionOpts{ID: "child-fails"}, Fail: true},
				{Opts: inngest.FunctionOpts{ID: "child-sleeps"}, Sleep: 4 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "child-cancellable", CancelOn: []inngest.CancelOn{{Event: events.Name("rs/invoke-failures.stop")}}},
					Sleep: 4 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/invoke-failures.fails", ""), ev(100*ms, "rs/invoke-failures.timeout", ""),
				ev(200*ms, "rs/invoke-failures.missing", ""), ev(300*ms, "rs/invoke-failures.cancelled", ""),
				ev(1500*ms, "rs/invoke-failures.stop", ""),
			},
			Settle: 6 * time.Second,
			Strict: true,
		},
		{
			Name:  "timeout-too-long",
			About: "a step.SleepUntil more than a year away (2099-01-01) fails the run at once with InngestErrTimeoutTooLong",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "sleeper"}, On: "rs/timeout-too-long.go", SleepUntil: farFuture},
			},
			Events: []Event{ev(0, "rs/timeout-too-long.go", "")},
			Settle: 3 * time.Second,
			Strict: true,
		},
	}
}
