package exec

import (
	"context"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

type fakeSender struct{ sent []string }

func (s *fakeSender) Send(_ context.Context, evs ...events.Sendable) ([]string, error) {
	for range evs {
		s.sent = append(s.sent, "id")
	}
	return s.sent, nil
}

// TestSenderFrom: the step tools reach the Call's Sender, typed, inside a run
// and inside a step; outside a run, or on a call without one, it is nil.
func TestSenderFrom(t *testing.T) {
	t.Parallel()
	require.Nil(t, SenderFrom(context.Background()))
	s := &fakeSender{}
	var inRun, inStep Sender
	execute(t, callOpts{call: func(c *Call) { c.Sender = s }}, func(ctx context.Context, _ *Input) ([]byte, error) {
		inRun = SenderFrom(ctx)
		st, err := Begin(ctx, "send")
		require.NoError(t, err)
		inStep = SenderFrom(st.StepContext(ctx))
		st.f.release()
		return nil, nil
	})
	require.Same(t, s, inRun)
	require.Same(t, s, inStep)
	var none Sender = s
	execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		none = SenderFrom(ctx)
		return nil, nil
	})
	require.Nil(t, none)
}
