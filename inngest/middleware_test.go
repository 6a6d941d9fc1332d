package inngest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

type trail struct {
	Trail string `json:"trail"`
}

var mwEvent = events.Define[trail]("test/mw.ran")

// hookLog records hook calls across the calls of a run.
type hookLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *hookLog) add(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *hookLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

func (l *hookLog) count(line string) int {
	n := 0
	for _, s := range l.all() {
		if s == line {
			n++
		}
	}
	return n
}

// wrapping is a middleware that wraps values in {name: v} on the way out and
// unwraps them on the way in, appends its name to the event's trail, and logs
// every hook.
func wrapping(name string, log *hookLog) *inngest.Middleware {
	wrap := func(v json.RawMessage) (json.RawMessage, error) {
		return json.Marshal(map[string]json.RawMessage{name: v})
	}
	unwrap := func(v json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, err
		}
		inner, ok := m[name]
		if !ok {
			return nil, fmt.Errorf("not wrapped by %s: %s", name, v)
		}
		return inner, nil
	}
	return &inngest.Middleware{
		Name: name,
		TransformInput: func(ctx context.Context, call inngest.CallInfo, data json.RawMessage) (json.RawMessage, error) {
			var tr trail
			if err := json.Unmarshal(data, &tr); err != nil {
				return nil, err
			}
			tr.Trail += name
			return json.Marshal(tr)
		},
		TransformStepOutput: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, data json.RawMessage) (json.RawMessage, error) {
			log.add("%s out %s", name, s.ID)
			return wrap(data)
		},
		TransformStepMemo: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, data json.RawMessage) (json.RawMessage, error) {
			log.add("%s memo %s", name, s.ID)
			return unwrap(data)
		},
		TransformOutput: func(ctx context.Context, call inngest.CallInfo, out json.RawMessage) (json.RawMessage, error) {
			log.add("%s output", name)
			return wrap(out)
		},
		BeforeStep: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo) context.Context {
			log.add("%s before %s", name, s.ID)
			return ctx
		},
		AfterStep: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, err error) {
			log.add("%s after %s", name, s.ID)
		},
		OnPanic: func(ctx context.Context, call inngest.CallInfo, s *inngest.StepInfo, p *inngest.PanicError) {
			where := "function"
			if s != nil {
				where = s.ID
			}
			log.add("%s panic %s %v", name, where, p.Value)
		},
	}
}

// TestMiddlewareOrderAndReplay runs a two-step function with a client
// middleware "a" and a function middleware "b" on the embedded engine: values go
// out through b then a and come back through a then b; the engine stores the
// wrapped values; the step hooks run once per step (never for a memoized step)
// while the memo transform runs on every call that decodes a memo.
func TestMiddlewareOrderAndReplay(t *testing.T) {
	t.Parallel()
	log := &hookLog{}
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.NewClient(t, inngest.ClientOptions{AppID: "mw", Middleware: []*inngest.Middleware{wrapping("a", log)},
		Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "order", Middleware: []*inngest.Middleware{wrapping("b", log)}},
		inngest.OnEvent(mwEvent),
		func(ctx context.Context, in inngest.Input[trail]) (string, error) {
			one, err := step.Run(ctx, "one", func(ctx context.Context) (string, error) { return in.Event.Data.Trail + "-1", nil })
			if err != nil {
				return "", err
			}
			two, err := step.Run(ctx, "two", func(ctx context.Context) (string, error) { return one + "-2", nil })
			return two, err
		})
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	ids := env.Send(t, mwEvent.New(trail{Trail: "x"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	// Input went through a then b; the output went out through b then a.
	inngesttest.RequireOutput(t, run, `{"a":{"b":"xab-1-2"}}`)
	one, ok := run.Step("one")
	require.True(t, ok)
	require.JSONEq(t, `{"a":{"b":"xab-1"}}`, string(one.Data()))

	for _, id := range []string{"one", "two"} {
		for _, n := range []string{"a", "b"} {
			require.Equal(t, 1, log.count(n+" before "+id), log.all())
			require.Equal(t, 1, log.count(n+" after "+id), log.all())
			require.Equal(t, 1, log.count(n+" out "+id), log.all())
		}
	}
	// Step one is memoized in the calls after it ran: two calls here (run two,
	// then finish), each decoding it through a then b.
	require.Equal(t, 2, log.count("a memo one"), log.all())
	require.Equal(t, 1, log.count("a memo two"), log.all())
	lines := log.all()
	require.Less(t, slices.Index(lines, "a memo one"), slices.Index(lines, "b memo one"))
	require.Less(t, slices.Index(lines, "b out one"), slices.Index(lines, "a out one"))
	require.Less(t, slices.Index(lines, "a before one"), slices.Index(lines, "b before one"))
	require.Less(t, slices.Index(lines, "b after one"), slices.Index(lines, "a after one"))
	require.Less(t, slices.Index(lines, "b output"), slices.Index(lines, "a output"))
}

// TestMiddlewareSendOrder: events on their way out go through the client's
// middleware in reverse order, for Client.Send and step.SendEvent.
func TestMiddlewareSendOrder(t *testing.T) {
	t.Parallel()
	tag := func(name string) *inngest.Middleware {
		return &inngest.Middleware{Name: name, TransformSend: func(ctx context.Context, ev *events.Envelope) error {
			var tr trail
			if err := json.Unmarshal(ev.Data, &tr); err != nil {
				return err
			}
			tr.Trail += name
			b, err := json.Marshal(tr)
			ev.Data = b
			return err
		}}
	}
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.NewClient(t, inngest.ClientOptions{AppID: "mwsend", Middleware: []*inngest.Middleware{tag("a"), tag("b")}})
	child, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.OnEvent(mwEvent),
		func(ctx context.Context, in inngest.Input[trail]) (string, error) { return in.Event.Data.Trail, nil })
	require.NoError(t, err)
	parentEv := events.Define[trail]("test/mw.parent")
	parent, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(parentEv),
		func(ctx context.Context, in inngest.Input[trail]) ([]string, error) {
			return step.SendEvent(ctx, "send", mwEvent.New(trail{Trail: "step"}))
		})
	require.NoError(t, err)
	env.ServeClient(t, c, child, parent)
	ids, err := c.Send(t.Context(), mwEvent.New(trail{Trail: "send"}))
	require.NoError(t, err)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"sendba"`)
	pids, err := env.Client().Send(t.Context(), parentEv.New(trail{}))
	require.NoError(t, err)
	prun := env.WaitForRun(t, pids[0])
	inngesttest.RequireCompleted(t, prun)
	childIDs := inngesttest.DecodeOutput[[]string](t, prun)
	require.Len(t, childIDs, 1)
	inngesttest.RequireOutput(t, env.WaitForRun(t, childIDs[0]), `"stepba"`)
}

// TestMiddlewareTransformErrorIsNonRetriable: a memo no middleware can open
// fails the run for good with an error naming the middleware and the step.
func TestMiddlewareTransformErrorIsNonRetriable(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	bad := &inngest.Middleware{Name: "broken", TransformStepMemo: func(ctx context.Context, call inngest.CallInfo, s inngest.StepInfo, data json.RawMessage) (json.RawMessage, error) {
		return nil, errors.New("cannot open")
	}}
	c := env.NewClient(t, inngest.ClientOptions{AppID: "mwerr", Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "f", Middleware: []*inngest.Middleware{bad}}, inngest.OnEvent(mwEvent),
		func(ctx context.Context, in inngest.Input[trail]) (string, error) {
			return step.Run(ctx, "secret", func(ctx context.Context) (string, error) { return "v", nil })
		})
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	ids := env.Send(t, mwEvent.New(trail{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.Contains(t, run.Error.Message, `middleware "broken" on step "secret": cannot open`)
	require.Equal(t, 1, run.Attempts)
}

// TestMiddlewarePanicHook: OnPanic sees a step's panic and the handler's.
func TestMiddlewarePanicHook(t *testing.T) {
	t.Parallel()
	log := &hookLog{}
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.NewClient(t, inngest.ClientOptions{AppID: "mwpanic", Checkpoint: inngest.CheckpointOptions{Disabled: true}})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "p", Retries: inngest.NoRetries, Middleware: []*inngest.Middleware{{Name: "p",
		OnPanic: func(ctx context.Context, call inngest.CallInfo, s *inngest.StepInfo, p *inngest.PanicError) {
			where := "function"
			if s != nil {
				where = s.ID
			}
			log.add("panic %s %v", where, p.Value)
		}}}}, inngest.OnEvent(mwEvent),
		func(ctx context.Context, in inngest.Input[trail]) (string, error) {
			_, _ = step.Run(ctx, "boom", func(ctx context.Context) (string, error) { panic("in step") })
			panic("in handler")
		})
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	ids := env.Send(t, mwEvent.New(trail{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.Equal(t, 1, log.count("panic boom in step"), log.all())
	require.Equal(t, 1, log.count("panic function in handler"), log.all())
}
