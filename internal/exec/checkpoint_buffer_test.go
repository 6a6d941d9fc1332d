package exec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// recorder is a Call.Checkpoint that records each batch's op names.
type recorder struct {
	mu      sync.Mutex
	batches [][]string
	fail    func(n int) error // the n-th call's (0-based) result
	flushed chan struct{}     // receives after each call, when non-nil
}

func (rc *recorder) checkpoint(_ context.Context, ops []wire.Op) error {
	rc.mu.Lock()
	n := len(rc.batches)
	rc.batches = append(rc.batches, opNames(ops))
	rc.mu.Unlock()
	var err error
	if rc.fail != nil {
		err = rc.fail(n)
	}
	if rc.flushed != nil {
		rc.flushed <- struct{}{}
	}
	return err
}

func (rc *recorder) got() [][]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.batches
}

// waitFlush waits for the timer's flush, including its bookkeeping after the
// Checkpoint func returned (it holds flushMu throughout).
func waitFlush(ctx context.Context, rc *recorder) {
	<-rc.flushed
	r := frameFrom(ctx).run
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
}

func steps(n int) Handler {
	return func(ctx context.Context, _ *Input) ([]byte, error) {
		for i := range n {
			if _, err := runStep(ctx, fmt.Sprintf("s%d", i), func(context.Context) (int, error) { return i, nil }); err != nil {
				return nil, err
			}
		}
		return []byte(`"end"`), nil
	}
}

// TestCheckpointBatches: with checkpointing, Run steps execute one after the other
// in one call and are flushed in batches of BatchSteps; the last partial batch is
// flushed when the function ends, and the call returns the function's result.
func TestCheckpointBatches(t *testing.T) {
	t.Parallel()
	cases := []struct {
		batch int
		n     int
		want  [][]string
	}{
		{batch: 0, n: 2, want: [][]string{{"StepRun:s0"}, {"StepRun:s1"}}},
		{batch: 1, n: 1, want: [][]string{{"StepRun:s0"}}},
		{batch: 2, n: 5, want: [][]string{{"StepRun:s0", "StepRun:s1"}, {"StepRun:s2", "StepRun:s3"}, {"StepRun:s4"}}},
		{batch: 3, n: 3, want: [][]string{{"StepRun:s0", "StepRun:s1", "StepRun:s2"}}},
		{batch: 10, n: 0, want: nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("batch %d, %d steps", tc.batch, tc.n), func(t *testing.T) {
			t.Parallel()
			rc := &recorder{}
			r := execute(t, callOpts{checkpoint: rc.checkpoint, cp: CheckpointConfig{BatchSteps: tc.batch}}, steps(tc.n))
			require.Equal(t, 200, r.Status, "body: %s", r.Body)
			require.Equal(t, `"end"`, string(r.Body))
			require.Equal(t, tc.want, rc.got())
		})
	}
}

// TestCheckpointOffReportsEachStep: without a Checkpoint func, with checkpointing
// disabled, or in a call targeting a step, a Run step's op goes out in the 206 and
// the function stops there.
func TestCheckpointOffReportsEachStep(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	for name, o := range map[string]callOpts{
		"no checkpoint func": {},
		"disabled":           {checkpoint: rc.checkpoint, cp: CheckpointConfig{Disabled: true}},
		"targeted":           {checkpoint: rc.checkpoint, stepID: wire.HashID("s0", 0)},
		"no immediate":       {checkpoint: rc.checkpoint, noImmed: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, o, steps(3))
			want := "StepRun:s0"
			if o.noImmed {
				want = "StepPlanned:s0"
			}
			require.Equal(t, []string{want}, opNames(ops(t, r)))
		})
	}
	t.Cleanup(func() { require.Empty(t, rc.got()) })
}

// TestCheckpointFlushFails: a failed flush turns checkpointing off; the steps
// that were not persisted go out in the 206 ahead of the step that stopped.
func TestCheckpointFlushFails(t *testing.T) {
	t.Parallel()
	t.Run("full batch", func(t *testing.T) {
		t.Parallel()
		rc := &recorder{fail: func(n int) error {
			if n == 1 {
				return errors.New("server down")
			}
			return nil
		}}
		var logged []string
		r := execute(t, callOpts{checkpoint: rc.checkpoint, cp: CheckpointConfig{BatchSteps: 2},
			call: func(c *Call) { c.Logger = captureLogger(&logged) }}, steps(6))
		require.Equal(t, []string{"StepRun:s2", "StepRun:s3"}, opNames(ops(t, r)))
		require.Equal(t, [][]string{{"StepRun:s0", "StepRun:s1"}, {"StepRun:s2", "StepRun:s3"}}, rc.got())
		require.Len(t, logged, 1)
		require.Contains(t, logged[0], "checkpoint failed")
	})
	t.Run("last partial batch at the end", func(t *testing.T) {
		t.Parallel()
		rc := &recorder{fail: func(int) error { return errors.New("down") }}
		r := execute(t, callOpts{checkpoint: rc.checkpoint, cp: CheckpointConfig{BatchSteps: 5}}, steps(2))
		// The function returned, but its steps were not persisted: they go out in
		// the 206 and the server calls again (the memos then replay).
		require.Equal(t, []string{"StepRun:s0", "StepRun:s1"}, opNames(ops(t, r)))
		require.Equal(t, [][]string{{"StepRun:s0", "StepRun:s1"}}, rc.got())
	})
	t.Run("timer flush fails, next step planned", func(t *testing.T) {
		t.Parallel()
		rc := &recorder{fail: func(int) error { return errors.New("down") }, flushed: make(chan struct{}, 1)}
		r := execute(t, callOpts{checkpoint: rc.checkpoint, cp: CheckpointConfig{BatchSteps: 10, BatchInterval: time.Millisecond}},
			func(ctx context.Context, _ *Input) ([]byte, error) {
				if _, err := runStep(ctx, "s0", func(context.Context) (int, error) { return 0, nil }); err != nil {
					return nil, err
				}
				waitFlush(ctx, rc) // the timer's flush failed
				_, err := runStep(ctx, "s1", func(context.Context) (int, error) { return 1, nil })
				return nil, err
			})
		require.Equal(t, []string{"StepRun:s0", "StepPlanned:s1"}, opNames(ops(t, r)))
		require.Equal(t, [][]string{{"StepRun:s0"}}, rc.got())
	})
}

// TestCheckpointInterval: a batch not full is flushed one BatchInterval after its
// first step, while the function is still running; the next buffered step re-arms
// the timer, and nothing is flushed twice.
func TestCheckpointInterval(t *testing.T) {
	t.Parallel()
	rc := &recorder{flushed: make(chan struct{}, 4)}
	var seenInFn [][]string
	r := execute(t, callOpts{checkpoint: rc.checkpoint, cp: CheckpointConfig{BatchSteps: 100, BatchInterval: 5 * time.Millisecond}},
		func(ctx context.Context, _ *Input) ([]byte, error) {
			for i := range 2 {
				if _, err := runStep(ctx, fmt.Sprintf("s%d", i), func(context.Context) (int, error) { return i, nil }); err != nil {
					return nil, err
				}
				waitFlush(ctx, rc)
				seenInFn = rc.got()
			}
			return []byte(`"end"`), nil
		})
	require.Equal(t, 200, r.Status)
	require.Equal(t, [][]string{{"StepRun:s0"}, {"StepRun:s1"}}, seenInFn)
	require.Equal(t, [][]string{{"StepRun:s0"}, {"StepRun:s1"}}, rc.got())
}

// TestCheckpointAttempts: with checkpointing, every step a call executes has
// the call's attempt; a call at attempt 0 runs them back to back, a retried
// call runs the first one only and reports it in the 206 (the server judges a
// later step's error by the call's attempt, so it starts in a new call).
func TestCheckpointAttempts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt      int
		status       int
		attempts     []int
		checkpointed int
	}{
		{0, 200, []int{0, 0, 0}, 3},
		{2, 206, []int{2}, 0},
	} {
		t.Run(fmt.Sprint("attempt ", tc.attempt), func(t *testing.T) {
			t.Parallel()
			rc := &recorder{}
			var attempts []int
			r := execute(t, callOpts{checkpoint: rc.checkpoint, attempt: tc.attempt, maxAtt: 3}, func(ctx context.Context, _ *Input) ([]byte, error) {
				for i := range 3 {
					s, err := Begin(ctx, fmt.Sprintf("s%d", i))
					require.NoError(t, err)
					d, err := s.Decide(KindRun)
					require.NoError(t, err)
					require.Equal(t, RunNow, d)
					a, _ := s.Attempt()
					attempts = append(attempts, a)
					s.Done(wire.Op{Op: wire.OpStepRun, ID: s.Hash, Name: s.ID, Data: []byte(`1`)})
				}
				return nil, nil
			})
			require.Equal(t, tc.status, r.Status)
			require.Equal(t, tc.attempts, attempts)
			require.Len(t, rc.got(), tc.checkpointed)
		})
	}
}
