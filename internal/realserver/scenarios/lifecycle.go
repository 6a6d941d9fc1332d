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

// lifecycleScenarios are the lifecycle, cancellation, invoke-failure and cron
// scenarios (issue 10).
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
			Name: "cancel-api",
			About: "cancellation through the run API: of two runs sleeping 4 s, the first is cancelled with DELETE /v1/runs/{id} " +
				"at 1.5 s; a function on inngest/function.cancelled sees it",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "sleeper"}, On: "rs/cancel-api.go", Sleep: 4 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "on-cancelled"}, On: "inngest/function.cancelled", If: ofApp("rs-cancel-api")},
			},
			Events: []Event{
				ev(0, "rs/cancel-api.go", "a"), ev(300*ms, "rs/cancel-api.go", "b"), {At: 1500 * ms, CancelRunsOf: 0},
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name: "cron",
			About: "a `* * * * *` function, synced a few seconds after a whole minute and watched for 90 s: one tick, " +
				"at the next whole minute, whose inngest/scheduled.timer event has id = data.scheduledAt = data.fireAt (a whole minute) and ts = that time",
			Functions:   []Fn{{Opts: inngest.FunctionOpts{ID: "ticker"}, Cron: "* * * * *"}},
			Settle:      90 * time.Second,
			AlignMinute: true,
			Tolerance:   7 * time.Second,
		},
	}
}
