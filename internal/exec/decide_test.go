package exec

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestDecide covers each branch of Decide for a step without a memo: targeted
// calls, async steps, planning (parallel, immediate execution disabled, a failed
// checkpoint, MaxRuntime spent) and immediate execution.
func TestDecide(t *testing.T) {
	t.Parallel()
	okCheckpoint := func(context.Context, []wire.Op) error { return nil }
	hashB := wire.HashID("b", 0)
	cases := []struct {
		name string
		o    callOpts
		// before runs a Run step "a" first (executed, checkpointed when on).
		before bool
		kind   Kind
		want   Decision
	}{
		{name: "run, first step", kind: KindRun, want: RunNow},
		{name: "async, first step", kind: KindAsync, want: Report},
		{name: "run, targeted at it", o: callOpts{stepID: hashB}, kind: KindRun, want: RunNow},
		{name: "run, discovery step id", o: callOpts{stepID: wire.DiscoveryStepID}, kind: KindRun, want: RunNow},
		{name: "run, targeted at another step", o: callOpts{stepID: wire.HashID("other", 0)}, kind: KindRun, want: Skip},
		{name: "async, targeted at it", o: callOpts{stepID: hashB}, kind: KindAsync, want: Skip},
		{name: "async, targeted at another step", o: callOpts{stepID: wire.HashID("other", 0)}, kind: KindAsync, want: Skip},
		{name: "run, immediate execution disabled", o: callOpts{noImmed: true}, kind: KindRun, want: Plan},
		{name: "async, immediate execution disabled", o: callOpts{noImmed: true}, kind: KindAsync, want: Report},
		{name: "run after a checkpointed step", o: callOpts{checkpoint: okCheckpoint}, before: true, kind: KindRun, want: RunNow},
		{name: "run in a retried call", o: callOpts{checkpoint: okCheckpoint, attempt: 2}, kind: KindRun, want: RunNow},
		{name: "run after a step buffered for a batch not yet full", o: callOpts{
			checkpoint: func(context.Context, []wire.Op) error { return errors.New("down") },
			cp:         CheckpointConfig{BatchSteps: 5}, // no flush yet, so no failure yet
		}, before: true, kind: KindRun, want: RunNow},
		{name: "run after a step, checkpointing disabled by config", o: callOpts{checkpoint: okCheckpoint, cp: CheckpointConfig{Disabled: true}},
			kind: KindRun, want: RunNow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got Decision
			var gotErr error
			var attempt int
			decided := false
			execute(t, tc.o, func(ctx context.Context, _ *Input) ([]byte, error) {
				if tc.before {
					if _, err := runStep(ctx, "a", func(context.Context) (int, error) { return 1, nil }); err != nil {
						return nil, err
					}
				}
				s, err := Begin(ctx, "b")
				require.NoError(t, err)
				got, gotErr = s.Decide(tc.kind)
				attempt, _ = s.Attempt()
				decided = true
				s.f.release()
				return []byte(`"done"`), nil
			})
			require.True(t, decided)
			require.NoError(t, gotErr)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.o.attempt, attempt, "every step a call executes is on the call's attempt")
		})
	}
}

// TestDecidePlansAfterMaxRuntime: once MaxRuntime has passed in the call, the next
// new step is planned instead of run; the steps run before are checkpointed.
func TestDecidePlansAfterMaxRuntime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var persisted []string
	ranSecond := false
	r := execute(t, callOpts{
		now: clock,
		cp:  CheckpointConfig{MaxRuntime: time.Second},
		checkpoint: func(_ context.Context, ops []wire.Op) error {
			persisted = append(persisted, opNames(ops)...)
			return nil
		},
	}, func(ctx context.Context, _ *Input) ([]byte, error) {
		if _, err := runStep(ctx, "first", func(context.Context) (int, error) {
			mu.Lock()
			now = now.Add(2 * time.Second)
			mu.Unlock()
			return 1, nil
		}); err != nil {
			return nil, err
		}
		_, err := runStep(ctx, "second", func(context.Context) (int, error) { ranSecond = true; return 2, nil })
		return nil, err
	})
	require.Equal(t, []string{"StepPlanned:second"}, opNames(ops(t, r)))
	require.Equal(t, []string{"StepRun:first"}, persisted)
	require.False(t, ranSecond)
}

// TestDecideInParallelBranchPlans: a Run step in a Parallel branch is planned, never
// run in the discovery call, and each branch's op goes out.
func TestDecideInParallelBranchPlans(t *testing.T) {
	t.Parallel()
	ran := false
	r := execute(t, callOpts{checkpoint: func(context.Context, []wire.Op) error { return nil }},
		func(ctx context.Context, _ *Input) ([]byte, error) {
			err := Parallel(ctx, 2, func(ctx context.Context, i int) {
				_, _ = runStep(ctx, []string{"p0", "p1"}[i], func(context.Context) (int, error) { ran = true; return i, nil })
			})
			return nil, err
		})
	require.Equal(t, []string{"StepPlanned:p0", "StepPlanned:p1"}, opNames(ops(t, r)))
	require.False(t, ran)
}

// TestDecideAsync: an async step reports its op in a discovery call, and in a call
// targeting another step stops without reporting (the call then finds nothing to
// run).
func TestDecideAsync(t *testing.T) {
	t.Parallel()
	after := false
	h := func(ctx context.Context, _ *Input) ([]byte, error) {
		if err := sleepStep(ctx, "nap"); err != nil {
			return nil, err
		}
		after = true
		return nil, nil
	}
	r := execute(t, callOpts{}, h)
	got := ops(t, r)
	require.Equal(t, []string{"Sleep:nap"}, opNames(got))
	require.Equal(t, wire.HashID("nap", 0), got[0].ID)

	target := wire.HashID("elsewhere", 0)
	r = execute(t, callOpts{stepID: target}, h)
	require.Equal(t, 500, r.Status)
	b := errBody(t, r)
	require.Equal(t, "StepNotFound", b.Name)
	require.Contains(t, b.Message, target)
	require.False(t, after, "DecideAsync's Skip stops the goroutine")
}

// TestDecideFromStrayGoroutine: a step whose Begin and Decide run on a goroutine
// the user started (not the function's, not a Parallel branch) is refused with
// ErrStray, and the frame is free again for the function's own steps.
func TestDecideFromStrayGoroutine(t *testing.T) {
	t.Parallel()
	var strayErr error
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, strayErr = runStep(ctx, "stray", func(context.Context) (int, error) { return 1, nil })
		}()
		<-done
		v, err := runStep(ctx, "own", func(context.Context) (int, error) { return 7, nil })
		require.Equal(t, 7, v)
		return nil, err
	})
	require.ErrorIs(t, strayErr, ErrStray)
	got := ops(t, r)
	require.Equal(t, []string{"StepRun:own"}, opNames(got))
	require.JSONEq(t, `7`, string(got[0].Data))
}

// TestRetriedCallExecutesOneStep: in a retried call (attempt > 0) the server
// counts every step the call executes as on the call's attempt, so after the
// first executed step succeeds the call reports it and ends: the next step
// starts in a new call at attempt 0, with its full retries (as the JavaScript
// SDK does). A call at attempt 0 goes on, with checkpointing.
func TestRetriedCallExecutesOneStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		attempt    int
		checkpoint bool
		want       []string
		ranB       bool
	}{
		{"retried, checkpointing", 2, true, []string{"StepRun:a"}, false},
		{"retried, no checkpointing", 2, false, []string{"StepRun:a"}, false},
		{"first attempt, checkpointing", 0, true, []string{"StepPlanned:c"}, true},
		{"first attempt, no checkpointing", 0, false, []string{"StepRun:a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var checkpointed []string
			o := callOpts{attempt: tc.attempt, noImmed: false}
			if tc.checkpoint {
				o.checkpoint = func(_ context.Context, ops []wire.Op) error {
					checkpointed = append(checkpointed, opNames(ops)...)
					return nil
				}
			}
			ranB := false
			var attempts []int
			r := execute(t, o, func(ctx context.Context, in *Input) ([]byte, error) {
				for _, id := range []string{"a", "b"} {
					if _, err := runStep(ctx, id, func(context.Context) (int, error) {
						attempts = append(attempts, in.Attempt)
						ranB = ranB || id == "b"
						return 1, nil
					}); err != nil {
						return nil, err
					}
				}
				s, err := Begin(ctx, "c")
				require.NoError(t, err)
				s.Stop(&wire.Op{Op: wire.OpStepPlanned, ID: s.Hash, Name: "c"})
				return nil, nil
			})
			require.Equal(t, tc.want, opNames(ops(t, r)))
			require.Equal(t, tc.ranB, ranB)
			for _, a := range attempts {
				require.Equal(t, tc.attempt, a)
			}
			if tc.ranB {
				require.Equal(t, []string{"StepRun:a", "StepRun:b"}, checkpointed)
			} else {
				require.Empty(t, checkpointed, "the step goes out in the 206, as in the classic protocol")
			}
		})
	}
}
