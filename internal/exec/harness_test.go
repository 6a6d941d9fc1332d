package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// callOpts describes one test call of Execute.
type callOpts struct {
	memo       map[string]json.RawMessage
	stepID     string
	attempt    int
	maxAtt     int
	noImmed    bool
	checkpoint func(ctx context.Context, ops []wire.Op) error
	cp         CheckpointConfig
	now        func() time.Time
	ctx        context.Context
	call       func(c *Call) // last changes to the Call
}

// execute runs h once as a call with o, as the serve handler would.
func execute(t *testing.T, o callOpts, h Handler) Response {
	t.Helper()
	maxAtt := o.maxAtt
	if maxAtt == 0 {
		maxAtt = 4
	}
	c := &Call{
		Fn: &Function{Config: wire.Function{ID: "app-fn"}, Handler: h, Checkpoint: o.cp},
		Req: &wire.CallRequest{
			Event: json.RawMessage(`{"name":"app/test.run","data":{}}`),
			Steps: o.memo,
			Ctx: wire.CallCtx{RunID: "01HZZZZZZZZZZZZZZZZZZZZZZZ", Attempt: o.attempt, MaxAttempts: maxAtt,
				DisableImmediateExecution: o.noImmed},
		},
		StepID:     o.stepID,
		Checkpoint: o.checkpoint,
		Now:        o.now,
	}
	if o.call != nil {
		o.call(c)
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return Execute(ctx, c)
}

// memoOf is a Run step's memo {"data": v}.
func memoOf(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(map[string]any{"data": v})
	require.NoError(t, err)
	return b
}

// runStep is the Run-step protocol (package step's Run, without middleware) on
// the core's primitives: a memo short-circuits and decodes into T, otherwise the
// core decides whether fn runs now, is planned, or is skipped.
func runStep[T any](ctx context.Context, id string, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	s, err := Begin(ctx, id)
	if err != nil {
		return zero, err
	}
	if raw, ok := s.Memo(); ok {
		var m struct {
			Data  T               `json:"data"`
			Error *wire.MemoError `json:"error"`
		}
		if err := jsoncodec.Unmarshal(raw, &m); err != nil {
			return zero, err
		}
		if m.Error != nil {
			return zero, errors.New(m.Error.Message)
		}
		return m.Data, nil
	}
	d, err := s.Decide(KindRun)
	if err != nil {
		return zero, err
	}
	switch d {
	case Skip:
		s.Stop(nil)
	case Plan:
		s.Stop(&wire.Op{Op: wire.OpStepPlanned, ID: s.Hash, Name: id, Userland: s.Userland()})
	}
	v, err := fn(s.StepContext(ctx))
	if err != nil {
		op := wire.Op{Op: wire.OpStepError, ID: s.Hash, Name: id, Error: &wire.MemoError{Name: "Error", Message: err.Error()}}
		if a, m := s.Attempt(); a+1 >= m {
			op.Op = wire.OpStepFailed
		}
		s.Fail(op, time.Time{})
	}
	data, err := jsoncodec.Marshal(v)
	if err != nil {
		return zero, err
	}
	s.Done(wire.Op{Op: wire.OpStepRun, ID: s.Hash, Name: id, Data: data})
	return v, nil
}

// sleepStep is an async step (its own op) on the core's primitives.
func sleepStep(ctx context.Context, id string) error {
	s, err := Begin(ctx, id)
	if err != nil {
		return err
	}
	if _, ok := s.Memo(); ok {
		return nil
	}
	if err := s.DecideAsync(); err != nil {
		return err
	}
	s.Stop(&wire.Op{Op: wire.OpSleep, ID: s.Hash, Name: id})
	return nil
}

// ops decodes a 206 body.
func ops(t *testing.T, r Response) []wire.Op {
	t.Helper()
	require.Equal(t, 206, r.Status, "body: %s", r.Body)
	var out []wire.Op
	require.NoError(t, json.Unmarshal(r.Body, &out))
	return out
}

// errBody decodes an error response body.
func errBody(t *testing.T, r Response) wire.ErrorBody {
	t.Helper()
	var b wire.ErrorBody
	require.NoError(t, json.Unmarshal(r.Body, &b), "body: %s", r.Body)
	return b
}

// opNames lists the ops' opcodes and names, "Op:name".
func opNames(ops []wire.Op) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = string(o.Op) + ":" + o.Name
	}
	return out
}

func ret(v any) Handler {
	return func(context.Context, *Input) ([]byte, error) { return json.Marshal(v) }
}

// captureLogger returns a logger appending each record, as text, to out.
func captureLogger(out *[]string) *slog.Logger {
	return slog.New(&captureHandler{out: out, mu: new(sync.Mutex)})
}

type captureHandler struct {
	mu    *sync.Mutex
	out   *[]string
	attrs []slog.Attr
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	*h.out = append(*h.out, b.String())
	h.mu.Unlock()
	return nil
}

func (h *captureHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &captureHandler{mu: h.mu, out: h.out, attrs: append(slices.Clip(h.attrs), attrs...)}
}

func (h *captureHandler) WithGroup(string) slog.Handler { return h }
