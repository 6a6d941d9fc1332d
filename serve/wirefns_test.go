package serve_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// The functions below reproduce, with this SDK, the user code of the captured
// scenarios (../testdata/wire, described in the captures' README), so that the
// captured server requests can be replayed against them.

type anyData = map[string]any

func def(name string) events.Definition[anyData] {
	return events.Define[anyData](name, events.AllowAnyName())
}

var (
	evWaitReply = def("wirecap/wait.reply")
	evSent      = def("wirecap/sent.by.step")
)

type stepAOut struct {
	Kind    string         `json:"kind"`
	Index   int            `json:"index"`
	Message string         `json:"message"`
	Tags    []string       `json:"tags"`
	Nested  map[string]any `json:"nested"`
}

type childIn struct {
	Numbers []int `json:"numbers"`
}

type childOut struct {
	ChildEventName string `json:"child_event_name"`
	Sum            int    `json:"sum"`
}

// failureSeen records what failure handlers received.
type failureSeen struct {
	mu     sync.Mutex
	global []inngest.FunctionFailed
	local  []inngest.FailureInput[anyData]
}

func mustFn[T, R any](t *testing.T, c *inngest.Client, opts inngest.FunctionOpts, tr inngest.Trigger[T], h inngest.Handler[T, R], more ...inngest.FunctionOption[T]) *inngest.Function[T, R] {
	t.Helper()
	f, err := inngest.NewFunction(c, opts, tr, h, more...)
	require.NoError(t, err)
	return f
}

func fiveSteps(ctx context.Context, _ inngest.Input[anyData]) (anyData, error) {
	vals := make([]int, 0, 5)
	for i := 1; i <= 5; i++ {
		v, err := step.Run(ctx, "s"+string(rune('0'+i)), func(ctx context.Context) (anyData, error) { return anyData{"i": i}, nil })
		if err != nil {
			return nil, err
		}
		vals = append(vals, int(toFloat(v["i"])))
	}
	return anyData{"vals": vals}, nil
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	}
	return 0
}

func onlyStep(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
	return step.Run(ctx, "only", func(ctx context.Context) (anyData, error) {
		return anyData{"n_events": len(in.Events), "user_id": in.Event.Data["user_id"]}, nil
	})
}

// wireFunctions defines every captured scenario's functions on c.
func wireFunctions(t *testing.T, c *inngest.Client, seen *failureSeen) []inngest.ServableFunction {
	t.Helper()
	var fns []inngest.ServableFunction
	add := func(f inngest.ServableFunction) { fns = append(fns, f) }

	add(mustFn(t, c, inngest.FunctionOpts{ID: "simple"}, inngest.OnEvent(def("wirecap/simple")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			return anyData{"attempt": in.Attempt, "data": in.Event.Data, "event_name": in.Event.Name, "ok": true, "run_id": in.RunID}, nil
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "steps-serial"}, inngest.OnEvent(def("wirecap/steps-serial")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			a, err := step.Run(ctx, "A", func(ctx context.Context) (stepAOut, error) {
				return stepAOut{Kind: "step-a-output", Index: 1, Message: "hello from step A; this object is about two hundred bytes long",
					Tags: []string{"alpha", "beta", "gamma"}, Nested: map[string]any{"b": true, "f": 1.5, "n": 42, "null": nil}}, nil
			})
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "nap", 2*time.Second); err != nil {
				return nil, err
			}
			b, err := step.Run(ctx, "B", func(ctx context.Context) (anyData, error) {
				return anyData{"a_index_plus_one": a.Index + 1, "from_a": a.Message}, nil
			})
			return anyData{"a": a, "b": b}, err
		}))

	waiter := func(timeout time.Duration) inngest.Handler[anyData, anyData] {
		return func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			ev, ok, err := step.WaitForEvent(ctx, "wait-reply", evWaitReply, timeout, step.WaitOpts{If: "async.data.id == event.data.id"})
			if err != nil {
				return nil, err
			}
			if !ok {
				return anyData{"err": "event not received", "received": false}, nil
			}
			return anyData{"event": anyData{"data": ev.Data, "id": ev.ID, "name": ev.Name, "ts": ev.TS, "user": anyData{}}, "received": true}, nil
		}
	}
	add(mustFn(t, c, inngest.FunctionOpts{ID: "wait-match"}, inngest.OnEvent(def("wirecap/wait-match")), waiter(30*time.Second)))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "wait-timeout"}, inngest.OnEvent(def("wirecap/wait-timeout")), waiter(3*time.Second)))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "parallel"}, inngest.OnEvent(def("wirecap/parallel")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			branch := func(n int) func(ctx context.Context) (anyData, error) {
				return func(ctx context.Context) (anyData, error) {
					return step.Run(ctx, "p"+string(rune('0'+n)), func(ctx context.Context) (anyData, error) { return anyData{"p": n}, nil })
				}
			}
			res, err := step.Parallel(ctx, branch(1), branch(2), branch(3))
			if err != nil {
				return nil, err
			}
			after, err := step.Run(ctx, "after", func(ctx context.Context) (anyData, error) { return anyData{"count": len(res)}, nil })
			return anyData{"after": after, "parallel": res}, err
		}))

	child := mustFn(t, c, inngest.FunctionOpts{ID: "invoke-child"}, inngest.InvokeOnly[childIn](),
		func(ctx context.Context, in inngest.Input[childIn]) (childOut, error) {
			sum := 0
			for _, n := range in.Event.Data.Numbers {
				sum += n
			}
			return childOut{ChildEventName: in.Event.Name, Sum: sum}, nil
		})
	add(child)
	add(mustFn(t, c, inngest.FunctionOpts{ID: "invoke-parent"}, inngest.OnEvent(def("wirecap/invoke-parent")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			out, err := step.Invoke(ctx, "call-child", child.Ref(), childIn{Numbers: []int{1, 2, 3, 4}}, 30*time.Second)
			if err != nil {
				return nil, err
			}
			return anyData{"child": out}, nil
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "send-event"}, inngest.OnEvent(def("wirecap/send-event")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			ids, err := step.SendEvent(ctx, "send-one", evSent.New(anyData{"hello": "world"}))
			return anyData{"ids": ids}, err
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "retry-step", Retries: 2}, inngest.OnEvent(def("wirecap/retry-step")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			v, err := step.Run(ctx, "flaky", func(ctx context.Context) (anyData, error) {
				if in.Attempt == 0 {
					return nil, errors.New("flaky: failing on in-memory attempt 1")
				}
				return anyData{"succeeded_on_in_memory_attempt": 2}, nil
			})
			return anyData{"flaky": v}, err
		}))

	doomed := mustFn(t, c, inngest.FunctionOpts{ID: "fail-noretry"}, inngest.OnEvent(def("wirecap/fail-noretry")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			_, err := step.Run(ctx, "doomed", func(ctx context.Context) (anyData, error) {
				return nil, inngest.NoRetry(errors.New("permanent failure: do not retry"))
			})
			return nil, err
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[anyData]) error {
			seen.mu.Lock()
			seen.local = append(seen.local, in)
			seen.mu.Unlock()
			return nil
		}))
	add(doomed)
	add(mustFn(t, c, inngest.FunctionOpts{ID: "on-failed"},
		inngest.OnEventIf(inngest.FunctionFailedEvent, "event.data.function_id == 'wirecap-fail-noretry'"),
		func(ctx context.Context, in inngest.Input[inngest.FunctionFailed]) (anyData, error) {
			seen.mu.Lock()
			seen.global = append(seen.global, in.Event.Data)
			seen.mu.Unlock()
			d := in.Event.Data
			return anyData{"saw_error_message": d.Error.Message, "saw_function_id": d.FunctionID, "saw_run_id": d.RunID}, nil
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "step-fails-final", Retries: 1}, inngest.OnEvent(def("wirecap/step-fails-final")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			_, err := step.Run(ctx, "always-fails", func(ctx context.Context) (anyData, error) {
				return anyData{"partial": "data returned alongside the error"}, errors.New("this step always fails")
			})
			var se *inngest.StepError
			if errors.As(err, &se) {
				return anyData{"caught": true, "step_error": anyData{"data": se.Data, "message": se.Message, "name": se.Name}}, nil
			}
			return nil, err
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "loop-ids"}, inngest.OnEvent(def("wirecap/loop-ids")),
		func(ctx context.Context, in inngest.Input[anyData]) (anyData, error) {
			items := []int{}
			for i := 0; i < 3; i++ {
				v, err := step.Run(ctx, "item", func(ctx context.Context) (int, error) { return i * 10, nil })
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			return anyData{"items": items}, nil
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "cron"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (anyData, error) {
			return anyData{"cron": true, "event": anyData{"id": in.Event.ID, "name": in.Event.Name, "data": in.Event.Data, "ts": in.Event.TS}}, nil
		}))

	add(mustFn(t, c, inngest.FunctionOpts{ID: "singleton", Singleton: &inngest.Singleton{Key: "event.data.user_id"}}, inngest.OnEvent(def("wirecap/singleton")), onlyStep))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "concurrency", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.user_id"}}}, inngest.OnEvent(def("wirecap/concurrency")), onlyStep))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "idempotency", Idempotency: "event.data.user_id"}, inngest.OnEvent(def("wirecap/idempotency")), onlyStep))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "throttle-etc", Throttle: &inngest.Throttle{Limit: 10, Period: time.Minute, Burst: 2, Key: "event.data.user_id"}}, inngest.OnEvent(def("wirecap/throttle-etc")), onlyStep))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "batch", BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 5 * time.Second, Key: "event.data.user_id"}}, inngest.OnEvent(def("wirecap/batch")), onlyStep))
	add(mustFn(t, c, inngest.FunctionOpts{ID: "debounce", Debounce: &inngest.Debounce{Period: 2 * time.Second, Key: "event.data.user_id", Timeout: 10 * time.Second}}, inngest.OnEvent(def("wirecap/debounce")), onlyStep))
	return fns
}

// checkpointFunctions defines the checkpoint scenarios, each with its own settings.
func checkpointFunctions(t *testing.T, c *inngest.Client) []inngest.ServableFunction {
	t.Helper()
	return []inngest.ServableFunction{
		mustFn(t, c, inngest.FunctionOpts{ID: "checkpoint", Checkpoint: inngest.CheckpointOptions{BatchSteps: 1}}, inngest.OnEvent(def("wirecap/checkpoint")), fiveSteps),
		mustFn(t, c, inngest.FunctionOpts{ID: "checkpoint-blended", Checkpoint: inngest.CheckpointOptions{BatchSteps: 3, BatchInterval: 3 * time.Second}}, inngest.OnEvent(def("wirecap/checkpoint-blended")), fiveSteps),
		mustFn(t, c, inngest.FunctionOpts{ID: "checkpoint-performant", Checkpoint: inngest.CheckpointOptions{BatchSteps: 1000}}, inngest.OnEvent(def("wirecap/checkpoint-performant")), fiveSteps),
		mustFn(t, c, inngest.FunctionOpts{ID: "checkpoint-sleep", Checkpoint: inngest.CheckpointOptions{BatchSteps: 1}}, inngest.OnEvent(def("wirecap/checkpoint-sleep")),
			func(ctx context.Context, in inngest.Input[anyData]) ([]string, error) {
				b, err := step.Run(ctx, "before", func(ctx context.Context) (string, error) { return "before", nil })
				if err != nil {
					return nil, err
				}
				if err := step.Sleep(ctx, "nap", time.Second); err != nil {
					return nil, err
				}
				a, err := step.Run(ctx, "after", func(ctx context.Context) (string, error) { return "after", nil })
				return []string{b, a}, err
			}),
	}
}
