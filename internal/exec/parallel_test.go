package exec

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestParallelOpsInBranchOrder: the ops of parallel branches go out in branch
// order, whatever order they were reported in, and the code after Parallel does
// not run while a branch stopped.
func TestParallelOpsInBranchOrder(t *testing.T) {
	t.Parallel()
	after := false
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		second := make(chan struct{})
		err := Parallel(ctx, 3, func(ctx context.Context, i int) {
			switch i {
			case 0:
				<-second // branch 0 reports last
				_ = sleepStep(ctx, "b0")
			case 1:
				defer close(second)
				_, _ = runStep(ctx, "b1", func(context.Context) (int, error) { return 1, nil })
			case 2:
				// returns without a step
			}
		})
		after = true
		return nil, err
	})
	require.Equal(t, []string{"Sleep:b0", "StepPlanned:b1"}, opNames(ops(t, r)))
	require.False(t, after)
}

// TestParallelAllReturn: when every branch returns (all memoized), Parallel
// returns nil and the function goes on; id counts of the branches carry over to
// the function's later steps.
func TestParallelAllReturn(t *testing.T) {
	t.Parallel()
	memo := map[string]json.RawMessage{
		wire.HashID("a", 0): memoOf(t, "a0"),
		wire.HashID("b", 0): memoOf(t, "b0"),
	}
	var vals [2]string
	var later []string
	r := execute(t, callOpts{memo: memo}, func(ctx context.Context, _ *Input) ([]byte, error) {
		err := Parallel(ctx, 2, func(ctx context.Context, i int) {
			v, err := runStep(ctx, []string{"a", "b"}[i], func(context.Context) (string, error) { return "ran", nil })
			require.NoError(t, err)
			vals[i] = v
		})
		require.NoError(t, err)
		for _, id := range []string{"a", "b"} {
			s, err := Begin(ctx, id)
			require.NoError(t, err)
			later = append(later, s.Hash)
			s.f.release()
		}
		return []byte(`"after"`), nil
	})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	require.Equal(t, `"after"`, string(r.Body))
	require.Equal(t, [2]string{"a0", "b0"}, vals)
	require.Equal(t, []string{wire.HashID("a", 1), wire.HashID("b", 1)}, later)
}

// TestParallelDuplicateID: two branches deciding the same step id fail the whole
// call with 400 StepIDConflict.
func TestParallelDuplicateID(t *testing.T) {
	t.Parallel()
	var errs [2]error
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		return nil, Parallel(ctx, 2, func(ctx context.Context, i int) {
			_, errs[i] = runStep(ctx, "same", func(context.Context) (int, error) { return i, nil })
		})
	})
	require.Equal(t, 400, r.Status)
	require.True(t, r.NoRetry)
	b := errBody(t, r)
	require.Equal(t, "StepIDConflict", b.Name)
	require.Equal(t, ErrDuplicateID.Error(), b.Message)
	// One branch claimed the id and planned; the other got the error.
	n := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, ErrDuplicateID)
			n++
		}
	}
	require.Equal(t, 1, n)
}

// TestParallelNested: a branch may run Parallel itself; the ops go out in
// depth-first branch order.
func TestParallelNested(t *testing.T) {
	t.Parallel()
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		return nil, Parallel(ctx, 2, func(ctx context.Context, i int) {
			if i == 1 {
				_ = sleepStep(ctx, "outer1")
				return
			}
			_ = Parallel(ctx, 2, func(ctx context.Context, j int) {
				_ = sleepStep(ctx, []string{"inner0", "inner1"}[j])
			})
		})
	})
	require.Equal(t, []string{"Sleep:inner0", "Sleep:inner1", "Sleep:outer1"}, opNames(ops(t, r)))
}

// TestParallelBranchStepOnParentCtx: a branch calling a step with the parent's
// ctx (instead of its own) is refused with ErrStray.
func TestParallelBranchStepOnParentCtx(t *testing.T) {
	t.Parallel()
	var err error
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		perr := Parallel(ctx, 1, func(context.Context, int) {
			_, err = runStep(ctx, "wrong-ctx", func(context.Context) (int, error) { return 0, nil })
		})
		return []byte(`1`), perr
	})
	require.ErrorIs(t, err, ErrStray)
	require.Equal(t, 200, r.Status)
}
