package scenarios

import (
	"encoding/json"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

const ms = time.Millisecond

// ev is a shorthand for an Event.
func ev(at time.Duration, name, key string) Event {
	return Event{At: at, Name: name, Data: Data{Key: key}}
}

// vev returns an event named name at offset at whose data.v is the JSON v
// (absent when v is empty).
func vev(at time.Duration, name, v string) Event {
	return Event{At: at, Name: name, Data: Data{V: json.RawMessage(v)}}
}

// times returns n events named name with key, all at the same offset.
func times(n int, at time.Duration, name string) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{At: at, Name: name}
	}
	return out
}

// flowScenarios are the flow-control scenarios (issue 10).
func flowScenarios() []*Scenario {
	return []*Scenario{
		{
			Name:  "concurrency",
			About: "concurrency limit 1 per key (two events of key a wait for each other, b does not) and limit 2 for the whole function; each run holds its slot 2 s in a step",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "per-key", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.key"}}},
					On: "rs/concurrency.key", Hold: 2 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "whole", Concurrency: []inngest.Concurrency{{Limit: 2}}},
					On: "rs/concurrency.whole", Hold: 2 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/concurrency.key", "a"), ev(300*ms, "rs/concurrency.key", "a"), ev(600*ms, "rs/concurrency.key", "b"),
				ev(0, "rs/concurrency.whole", ""), ev(300*ms, "rs/concurrency.whole", ""), ev(600*ms, "rs/concurrency.whole", ""),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "concurrency-env",
			About: "an env-scoped concurrency limit of 1 on key event.data.key shared by two functions: a run of each on key a, one after the other; a run on key b at once",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "first", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.key", Scope: inngest.ScopeEnv}}},
					On: "rs/concurrency-env.first", Hold: 2 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "second", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.key", Scope: inngest.ScopeEnv}}},
					On: "rs/concurrency-env.second", Hold: 2 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/concurrency-env.first", "a"), ev(300*ms, "rs/concurrency-env.second", "a"), ev(600*ms, "rs/concurrency-env.second", "b"),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "throttle",
			About: "throttle 2 per 10 s: 6 events sent in one request",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "throttled", Throttle: &inngest.Throttle{Limit: 2, Period: 10 * time.Second}},
					On: "rs/throttle.go"},
			},
			Events: times(6, 0, "rs/throttle.go"),
			Settle: 25 * time.Second,
		},
		{
			Name:  "ratelimit",
			About: "rate limit 10 per minute: 10 events sent in one request, an eleventh 7 s later",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "limited", RateLimit: &inngest.RateLimit{Limit: 10, Period: time.Minute}},
					On: "rs/ratelimit.go"},
			},
			Events: append(times(10, 0, "rs/ratelimit.go"), ev(7*time.Second, "rs/ratelimit.go", "")),
			Settle: 4 * time.Second,
		},
		{
			Name:  "ratelimit-key",
			About: "rate limit 2 per 10 s per key (one start per 5 s, no burst under 10): a, a, b sent 0.2 s apart; a again at 5.5 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "limited", RateLimit: &inngest.RateLimit{Limit: 2, Period: 10 * time.Second, Key: "event.data.key"}},
					On: "rs/ratelimit-key.go"},
			},
			Events: []Event{
				ev(0, "rs/ratelimit-key.go", "a"), ev(200*ms, "rs/ratelimit-key.go", "a"), ev(400*ms, "rs/ratelimit-key.go", "b"),
				ev(5500*ms, "rs/ratelimit-key.go", "a"),
			},
			Settle: 3 * time.Second,
			Strict: true,
		},
		{
			Name:  "ratelimit-key-edges",
			About: "rate limit 1 per minute keyed on a missing field (two events without it), and keyed on a boolean expression (false twice, then true twice)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "missing", RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute, Key: "event.data.key"}},
					On: "rs/ratelimit-key-edges.missing"},
				{Opts: inngest.FunctionOpts{ID: "boolean", RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute, Key: "event.data.prio > 0"}},
					On: "rs/ratelimit-key-edges.boolean"},
			},
			Events: []Event{
				ev(0, "rs/ratelimit-key-edges.missing", ""), ev(300*ms, "rs/ratelimit-key-edges.missing", ""),
				{At: 600 * ms, Name: "rs/ratelimit-key-edges.boolean"}, {At: 900 * ms, Name: "rs/ratelimit-key-edges.boolean"},
				{At: 1200 * ms, Name: "rs/ratelimit-key-edges.boolean", Data: Data{Prio: 5}},
				{At: 1500 * ms, Name: "rs/ratelimit-key-edges.boolean", Data: Data{Prio: 5}},
			},
			Settle: 3 * time.Second,
			Strict: true,
		},
		{
			Name:  "throttle-burst-key",
			About: "throttle 1 per 4 s with burst 1 per key: a, a, a, b sent 0.2 s apart (two of a at once, the third 4 s later; b at once)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "throttled", Throttle: &inngest.Throttle{Limit: 1, Period: 4 * time.Second, Burst: 1, Key: "event.data.key"}},
					On: "rs/throttle-burst-key.go"},
			},
			Events: []Event{
				ev(0, "rs/throttle-burst-key.go", "a"), ev(200*ms, "rs/throttle-burst-key.go", "a"), ev(400*ms, "rs/throttle-burst-key.go", "a"),
				ev(600*ms, "rs/throttle-burst-key.go", "b"),
			},
			Settle: 8 * time.Second,
			Strict: true,
		},
		{
			Name:  "debounce",
			About: "debounce 2 s per key (a at 0, 1, 2.5 s; b at 1.5 s), and debounce 2 s with a 4 s timeout under an event every 0.7 s for 5.6 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "per-key", Debounce: &inngest.Debounce{Period: 2 * time.Second, Key: "event.data.key"}},
					On: "rs/debounce.key"},
				{Opts: inngest.FunctionOpts{ID: "capped", Debounce: &inngest.Debounce{Period: 2 * time.Second, Timeout: 4 * time.Second}},
					On: "rs/debounce.capped"},
			},
			Events: []Event{
				ev(0, "rs/debounce.key", "a"), ev(time.Second, "rs/debounce.key", "a"), ev(1500*ms, "rs/debounce.key", "b"),
				ev(2500*ms, "rs/debounce.key", "a"),
				ev(0, "rs/debounce.capped", ""), ev(700*ms, "rs/debounce.capped", ""), ev(1400*ms, "rs/debounce.capped", ""),
				ev(2100*ms, "rs/debounce.capped", ""), ev(2800*ms, "rs/debounce.capped", ""), ev(3500*ms, "rs/debounce.capped", ""),
				ev(4200*ms, "rs/debounce.capped", ""), ev(4900*ms, "rs/debounce.capped", ""), ev(5600*ms, "rs/debounce.capped", ""),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "batch",
			About: "batches of up to 3 per key with a 2 s timeout: a full batch of key a, a partial one of key b; which events the run API lists the batch's run under",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "batched", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 2 * time.Second, Key: "event.data.key"}},
					On: "rs/batch.go"},
			},
			Events: []Event{
				ev(0, "rs/batch.go", "a"), ev(300*ms, "rs/batch.go", "a"), ev(600*ms, "rs/batch.go", "a"),
				ev(900*ms, "rs/batch.go", "b"),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "batch-one-request",
			About: "batches of up to 3 with a 5 s timeout: 3 events in one request, then 4 more in one request 1 s later (a full batch and a partial one)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "batched", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 5 * time.Second}},
					On: "rs/batch-one-request.go"},
			},
			Events: append(times(3, 0, "rs/batch-one-request.go"), times(4, time.Second, "rs/batch-one-request.go")...),
			Settle: 7 * time.Second,
		},
		{
			Name:  "batch-spaced",
			About: "batches of up to 3 with a 2 s timeout and no key: 3 events sent 0.3 s apart",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "batched", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 2 * time.Second}},
					On: "rs/batch-spaced.go"},
			},
			Events: []Event{ev(0, "rs/batch-spaced.go", ""), ev(300*ms, "rs/batch-spaced.go", ""), ev(600*ms, "rs/batch-spaced.go", "")},
			Settle: 4 * time.Second,
			Strict: true,
		},
		{
			Name:  "priority",
			About: "concurrency 1 with priority event.data.prio: while a run holds the slot, a prio 0 event then a prio 60 event arrive; the later, higher-priority one starts first",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "prioritized", Concurrency: []inngest.Concurrency{{Limit: 1}},
					Priority: &inngest.Priority{Run: "event.data.prio"}}, On: "rs/priority.go", Hold: 2 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/priority.go", ""),
				{At: 500 * ms, Name: "rs/priority.go"},
				{At: 1000 * ms, Name: "rs/priority.go", Data: Data{Prio: 60}},
			},
			Settle: 6 * time.Second,
			Strict: true,
		},
		{
			Name:  "priority-wide",
			About: "as priority, with factors far apart: while a run holds the only slot 3 s, a prio -600 event then a prio 600 event arrive",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "prioritized", Concurrency: []inngest.Concurrency{{Limit: 1}},
					Priority: &inngest.Priority{Run: "event.data.prio"}}, On: "rs/priority-wide.go", Hold: 3 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/priority-wide.go", ""),
				{At: 500 * ms, Name: "rs/priority-wide.go", Data: Data{Prio: -600}},
				{At: 1000 * ms, Name: "rs/priority-wide.go", Data: Data{Prio: 600}},
			},
			Settle: 9 * time.Second,
			Strict: true,
		},
		{
			Name:  "priority-delay",
			About: "priority without a concurrency limit: a prio -5 event and a prio 0 event sent 0.2 s apart (is the lower priority delayed by 5 s?)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "prioritized", Priority: &inngest.Priority{Run: "event.data.prio"}}, On: "rs/priority-delay.go"},
			},
			Events: []Event{
				{At: 0, Name: "rs/priority-delay.go", Data: Data{Prio: -5}},
				{At: 200 * ms, Name: "rs/priority-delay.go"},
			},
			Settle: 8 * time.Second,
			Strict: true,
		},
		{
			Name:  "idempotency",
			About: "idempotency per key (a, a, b); and idempotency with a rate limit of 1 per minute configured too (c, d, c): idempotency replaces the rate limit",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "idem", Idempotency: "event.data.key"}, On: "rs/idempotency.go"},
				{Opts: inngest.FunctionOpts{ID: "idem-and-rl", Idempotency: "event.data.key",
					RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute}}, On: "rs/idempotency.rl"},
			},
			Events: []Event{
				ev(0, "rs/idempotency.go", "a"), ev(500*ms, "rs/idempotency.go", "a"), ev(time.Second, "rs/idempotency.go", "b"),
				ev(1500*ms, "rs/idempotency.rl", "c"), ev(2000*ms, "rs/idempotency.rl", "d"), ev(2500*ms, "rs/idempotency.rl", "c"),
			},
			Settle: 3 * time.Second,
			Strict: true,
		},
		{
			Name:  "singleton",
			About: "singleton per key in skip mode (a run holding 2 s; a second event skipped, a third after it runs) and in cancel mode (a sleeping run cancelled by the next event)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "skip", Singleton: &inngest.Singleton{Key: "event.data.key", Mode: inngest.SingletonSkip}},
					On: "rs/singleton.skip", Hold: 2 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "cancel", Singleton: &inngest.Singleton{Key: "event.data.key", Mode: inngest.SingletonCancel}},
					On: "rs/singleton.cancel", Sleep: 3 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/singleton.skip", "a"), ev(500*ms, "rs/singleton.skip", "a"), ev(3*time.Second, "rs/singleton.skip", "a"),
				ev(0, "rs/singleton.cancel", "b"), ev(time.Second, "rs/singleton.cancel", "b"),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "cancelon",
			About: "cancelOn an event whose key matches: of two runs sleeping 4 s, the one of key a is cancelled at 1.5 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "cancellable", CancelOn: []inngest.CancelOn{{Event: events.Name("rs/cancelon.stop"),
					If: "async.data.key == event.data.key"}}}, On: "rs/cancelon.go", Sleep: 4 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/cancelon.go", "a"), ev(300*ms, "rs/cancelon.go", "b"), ev(1500*ms, "rs/cancelon.stop", "a"),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name: "cancelon-types",
			About: "cancelOn async.data.v == event.data.v across JSON types: runs sleeping 4 s started with v = 1, \"1\", 1.5, " +
				"true, null and {\"a\":1}; cancel events with v = 1.0 at 1 s, \"1\" at 1.5 s, null at 2 s, {\"a\":1.0} at 2.5 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "typed", CancelOn: []inngest.CancelOn{{Event: events.Name("rs/cancelon-types.stop"),
					If: "async.data.v == event.data.v"}}}, On: "rs/cancelon-types.go", Sleep: 4 * time.Second},
			},
			Events: []Event{
				vev(0, "rs/cancelon-types.go", `1`), vev(0, "rs/cancelon-types.go", `"1"`), vev(0, "rs/cancelon-types.go", `1.5`),
				vev(0, "rs/cancelon-types.go", `true`), vev(0, "rs/cancelon-types.go", `null`),
				vev(0, "rs/cancelon-types.go", `{"a":1}`),
				vev(time.Second, "rs/cancelon-types.stop", `1.0`), vev(1500*ms, "rs/cancelon-types.stop", `"1"`),
				vev(2*time.Second, "rs/cancelon-types.stop", `null`), vev(2500*ms, "rs/cancelon-types.stop", `{"a":1.0}`),
			},
			Settle: 5 * time.Second,
			Strict: true,
		},
		{
			Name:  "timeouts",
			About: "timeouts: finish 2 s on a run sleeping 4 s; start 1 s on a run waiting behind another for a concurrency slot held 3 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "finish", Timeouts: &inngest.Timeouts{Finish: 2 * time.Second}},
					On: "rs/timeouts.finish", Sleep: 4 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "start", Timeouts: &inngest.Timeouts{Start: time.Second},
					Concurrency: []inngest.Concurrency{{Limit: 1}}}, On: "rs/timeouts.start", Hold: 3 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/timeouts.finish", ""), ev(0, "rs/timeouts.start", ""), ev(300*ms, "rs/timeouts.start", ""),
			},
			Settle: 6 * time.Second,
			Strict: true,
		},
		{
			Name:  "cancel-in-step",
			About: "cancellation while a step runs (3 s): a finish timeout of 1 s, a cancelOn event at 1 s, a singleton (cancel mode) event at 1 s",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "finish", Timeouts: &inngest.Timeouts{Finish: time.Second}},
					On: "rs/cancel-in-step.finish", Hold: 3 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "cancel-on", CancelOn: []inngest.CancelOn{{Event: events.Name("rs/cancel-in-step.stop")}}},
					On: "rs/cancel-in-step.go", Hold: 3 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "singleton", Singleton: &inngest.Singleton{Mode: inngest.SingletonCancel}},
					On: "rs/cancel-in-step.single", Hold: 3 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/cancel-in-step.finish", ""), ev(0, "rs/cancel-in-step.go", ""), ev(0, "rs/cancel-in-step.single", ""),
				ev(time.Second, "rs/cancel-in-step.stop", ""), ev(time.Second, "rs/cancel-in-step.single", ""),
			},
			Settle: 6 * time.Second,
			Strict: true,
		},
		{
			Name:  "invoke-skipped",
			About: "step.Invoke of a function that will not run: rate limited (1 per minute, second call), idempotency-skipped (same key twice), singleton-skipped (while the first invoked run holds 3 s)",
			Functions: []Fn{
				{Opts: inngest.FunctionOpts{ID: "child-rl", RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute}}},
				{Opts: inngest.FunctionOpts{ID: "child-idem", Idempotency: "event.data.key"}},
				{Opts: inngest.FunctionOpts{ID: "child-single", Singleton: &inngest.Singleton{Key: "event.data.key"}}, Hold: 3 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "call-rl"}, On: "rs/invoke.rl", Invoke: "child-rl", InvokeTimeout: 10 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "call-idem"}, On: "rs/invoke.idem", Invoke: "child-idem", InvokeTimeout: 10 * time.Second},
				{Opts: inngest.FunctionOpts{ID: "call-single"}, On: "rs/invoke.single", Invoke: "child-single", InvokeTimeout: 10 * time.Second},
			},
			Events: []Event{
				ev(0, "rs/invoke.rl", "x"), ev(time.Second, "rs/invoke.rl", "x"),
				ev(0, "rs/invoke.idem", "x"), ev(time.Second, "rs/invoke.idem", "x"),
				ev(0, "rs/invoke.single", "x"), ev(time.Second, "rs/invoke.single", "x"),
			},
			Settle: 12 * time.Second,
			Strict: true,
		},
	}
}
