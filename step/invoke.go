package step

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Invoke runs another function with data as its event data and waits (durably) for
// its result, at most timeout (0 means the server's default of a year). The child's
// failure, or the timeout, comes back as an *inngest.StepError. data must encode to
// a JSON object (else an error wrapping ErrInvokeData) and timeout must not be
// negative (else ErrDurationOutOfRange); both are non-retriable.
func Invoke[T, R any](ctx context.Context, id string, fn inngest.FunctionRef[T, R], data T, timeout time.Duration) (R, error) {
	var zero R
	if timeout < 0 {
		return zero, outOfRange(id, "invoke timeout of %s is negative", timeout)
	}
	payload, err := jsoncodec.Marshal(data)
	if err != nil {
		return zero, inngest.NoRetry(fmt.Errorf("%w: step %q: %v", ErrInvokeData, id, err))
	}
	if p := bytes.TrimSpace(payload); len(p) == 0 || p[0] != '{' {
		return zero, inngest.NoRetry(fmt.Errorf("%w: step %q: got %.40s", ErrInvokeData, id, p))
	}
	s, err := exec.Begin(ctx, id)
	if err != nil {
		return zero, err
	}
	if raw, ok := s.Memo(); ok {
		return decodeMemo[R](&s, raw)
	}
	if err := s.DecideAsync(); err != nil {
		return zero, err
	}
	if hooks, ci, si := s.Hooks(); hooks != nil {
		if payload, err = hooks.InvokeData(ctx, ci, si, payload); err != nil {
			s.Fail(wire.Op{Op: wire.OpStepFailed, ID: s.Hash, Name: id, DisplayName: id, Userland: s.Userland(),
				Error: &wire.MemoError{Name: "MiddlewareError", Message: err.Error()}}, time.Time{})
		}
	}
	o := wire.InvokeOpts{FunctionID: fn.ID(), Payload: wire.InvokePayload{Data: payload, User: []byte("{}")}}
	if timeout > 0 {
		o.Timeout = timestr.Format(timeout)
	}
	b, _ := jsoncodec.Marshal(o)
	s.Stop(&wire.Op{Op: wire.OpInvokeFunction, ID: s.Hash, Name: id, DisplayName: id, Opts: b, Userland: s.Userland()})
	return zero, nil
}
