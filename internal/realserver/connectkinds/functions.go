package connectkinds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// AppID is the app the fixture's functions belong to.
const AppID = "connect-kinds"

// Data is every event's data: n is a number the functions compute with, key
// makes a run of the fixture unique on a server that keeps state (signal
// names, rate-limit and debounce keys).
type Data struct {
	N   int    `json:"n"`
	Key string `json:"key"`
}

func def(name string) events.Definition[Data] {
	return events.Define[Data]("kinds/"+name, events.AllowAnyName())
}

// fixture holds the functions and what they observed.
type fixture struct {
	client   *inngest.Client
	fns      []inngest.ServableFunction
	fetchURL string

	mu    sync.Mutex
	steps map[string]int // "function/step" → how often its code ran

	running, maxRunning atomic.Int32 // concurrency kind
	starts              struct {
		sync.Mutex
		at []time.Time // throttle kind: when each run's step started
	}
}

// ran counts one execution of a step's code.
func (f *fixture) ran(fn, stepID string) {
	f.mu.Lock()
	f.steps[fn+"/"+stepID]++
	f.mu.Unlock()
}

// stepsOf returns the counts of one function's steps.
func (f *fixture) stepsOf(fn string) map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.steps {
		if len(k) > len(fn) && k[:len(fn)+1] == fn+"/" {
			out[k[len(fn)+1:]] = v
		}
	}
	return out
}

// counted is step.Run that counts each execution of fn.
func counted[T any](f *fixture, ctx context.Context, fnID, id string, fn func(ctx context.Context) (T, error)) (T, error) {
	return step.Run(ctx, id, func(ctx context.Context) (T, error) {
		f.ran(fnID, id)
		return fn(ctx)
	})
}

// LongStep is how long the lease kind's step runs; the worker extends its
// lease every second meanwhile.
const LongStep = 3500 * time.Millisecond

func newFixture(c *inngest.Client, fetchURL string) (*fixture, error) {
	f := &fixture{client: c, fetchURL: fetchURL, steps: map[string]int{}}
	var errs []error
	add := func(fn inngest.ServableFunction, err error) {
		errs = append(errs, err)
		if err == nil {
			f.fns = append(f.fns, fn)
		}
	}

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "run"}, inngest.OnEvent(def("run")),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			a, err := counted(f, ctx, "run", "a", func(context.Context) (int, error) { return in.Event.Data.N + 1, nil })
			if err != nil {
				return 0, err
			}
			return counted(f, ctx, "run", "b", func(context.Context) (int, error) { return a * 2, nil })
		}))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "sleep"}, inngest.OnEvent(def("sleep")),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			if err := step.Sleep(ctx, "nap", time.Second); err != nil {
				return "", err
			}
			return counted(f, ctx, "sleep", "after", func(context.Context) (string, error) { return "woke", nil })
		}))

	signal := def("wait.signal")
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "wait-matched"}, inngest.OnEvent(def("wait-matched")),
		func(ctx context.Context, in inngest.Input[Data]) (map[string]any, error) {
			ev, ok, err := step.WaitForEvent(ctx, "wait", signal, 60*time.Second,
				step.WaitOpts{If: "async.data.key == event.data.key && async.data.n == event.data.n"})
			return map[string]any{"matched": ok, "n": ev.Data.N}, err
		}))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "wait-timeout"}, inngest.OnEvent(def("wait-timeout")),
		func(ctx context.Context, in inngest.Input[Data]) (bool, error) {
			_, ok, err := step.WaitForEvent(ctx, "never", def("never.sent"), time.Second)
			return ok, err
		}))

	received := def("sent.received")
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "receiver"}, inngest.OnEvent(received),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			return counted(f, ctx, "receiver", "got", func(context.Context) (int, error) { return in.Event.Data.N, nil })
		}))
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "send"}, inngest.OnEvent(def("send")),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			ids, err := step.SendEvent(ctx, "send", received.New(Data{N: 5, Key: in.Event.Data.Key}))
			return len(ids), err
		}))

	child, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.OnEvent(def("child")),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			return counted(f, ctx, "child", "double", func(context.Context) (int, error) { return in.Event.Data.N * 2, nil })
		})
	add(child, err)
	if err == nil {
		add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "invoke"}, inngest.OnEvent(def("invoke")),
			func(ctx context.Context, in inngest.Input[Data]) (int, error) {
				return step.Invoke(ctx, "call", child.Ref(), Data{N: 21}, 60*time.Second)
			}))
	}

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "parallel"}, inngest.OnEvent(def("parallel")),
		func(ctx context.Context, in inngest.Input[Data]) ([]int, error) {
			branch := func(i int) func(ctx context.Context) (int, error) {
				return func(ctx context.Context) (int, error) {
					return counted(f, ctx, "parallel", "b"+strconv.Itoa(i), func(context.Context) (int, error) { return i * 10, nil })
				}
			}
			return step.Parallel(ctx, branch(1), branch(2), branch(3))
		}))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "fetch"}, inngest.OnEvent(def("fetch")),
		func(ctx context.Context, in inngest.Input[Data]) (map[string]any, error) {
			res, err := step.Fetch(ctx, "get", step.FetchRequest{URL: f.fetchURL})
			if err != nil {
				return nil, err
			}
			return map[string]any{"status": res.StatusCode, "body": string(res.Body)}, nil
		}))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "signal-wait"}, inngest.OnEvent(def("signal-wait")),
		func(ctx context.Context, in inngest.Input[Data]) (map[string]any, error) {
			sig, ok, err := step.WaitForSignal[Data](ctx, "sig", "kinds-"+in.Event.Data.Key, 60*time.Second)
			return map[string]any{"received": ok, "n": sig.Data.N}, err
		}))
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "signal-send", Retries: 10}, inngest.OnEvent(def("signal-send")),
		func(ctx context.Context, in inngest.Input[Data]) (bool, error) {
			return counted(f, ctx, "signal-send", "send", func(ctx context.Context) (bool, error) {
				_, err := c.SendSignal(ctx, "kinds-"+in.Event.Data.Key, Data{N: 5})
				if err != nil {
					// No run waits yet: try again shortly.
					return false, inngest.RetryAfter(err, time.Second)
				}
				return true, nil
			})
		}))

	var attempts atomic.Int32
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "retry", Retries: 3}, inngest.OnEvent(def("retry")),
		func(ctx context.Context, in inngest.Input[Data]) (int32, error) {
			return counted(f, ctx, "retry", "flaky", func(context.Context) (int32, error) {
				if n := attempts.Add(1); n < 3 {
					return 0, inngest.RetryAfter(fmt.Errorf("flaky attempt %d", n), time.Second)
				}
				return attempts.Load(), nil
			})
		}))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "onfailure", Retries: 1}, inngest.OnEvent(def("onfailure")),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			return counted(f, ctx, "onfailure", "boom", func(context.Context) (int, error) {
				return 0, inngest.NoRetry(errors.New("for good"))
			})
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[Data]) error {
			_, err := counted(f, ctx, "onfailure-failure", "handler", func(context.Context) (string, error) { return in.Error.Message, nil })
			return err
		})))

	work := func(fnID string, track func()) func(ctx context.Context, in inngest.Input[Data]) (int, error) {
		return func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			return counted(f, ctx, fnID, "work", func(context.Context) (int, error) {
				track()
				return in.Event.Data.N, nil
			})
		}
	}
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "concurrency", Concurrency: []inngest.Concurrency{{Limit: 1}}},
		inngest.OnEvent(def("concurrency")), work("concurrency", func() {
			n := f.running.Add(1)
			for {
				m := f.maxRunning.Load()
				if n <= m || f.maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(300 * time.Millisecond)
			f.running.Add(-1)
		})))
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "throttle", Throttle: &inngest.Throttle{Limit: 1, Period: 2 * time.Second, Key: "event.data.key"}},
		inngest.OnEvent(def("throttle")), work("throttle", func() {
			f.starts.Lock()
			f.starts.at = append(f.starts.at, time.Now())
			f.starts.Unlock()
		})))
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "ratelimit", RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute, Key: "event.data.key"}},
		inngest.OnEvent(def("ratelimit")), work("ratelimit", func() {})))
	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "debounce", Debounce: &inngest.Debounce{Period: 2 * time.Second, Key: "event.data.key"}},
		inngest.OnEvent(def("debounce")), work("debounce", func() {})))

	add(inngest.NewFunction(c, inngest.FunctionOpts{ID: "lease"}, inngest.OnEvent(def("lease")),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			return counted(f, ctx, "lease", "long", func(ctx context.Context) (string, error) {
				select {
				case <-time.After(LongStep):
					return "kept", nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			})
		}))

	return f, errors.Join(errs...)
}
