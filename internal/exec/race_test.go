package exec

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// raceFn races branch "a" (steps a1, a2) against branch "b" (step b1), then
// runs step "after" and returns the winner's index and value.
func raceFn(t *testing.T, got *int) Handler {
	return func(ctx context.Context, _ *Input) ([]byte, error) {
		w, err := Race(ctx, 2, func(ctx context.Context, i int) {
			if i == 0 {
				_, _ = runStep(ctx, "a1", func(context.Context) (int, error) { return 1, nil })
				_, _ = runStep(ctx, "a2", func(context.Context) (int, error) { return 2, nil })
				return
			}
			_, _ = runStep(ctx, "b1", func(context.Context) (int, error) { return 3, nil })
		})
		require.NoError(t, err)
		*got = w
		v, err := runStep(ctx, "after", func(context.Context) (string, error) { return "ran", nil })
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"winner": w, "after": v})
	}
}

// TestRaceTable: which branch wins a race depends on the order the server
// stored the branches' results (ctx.stack), the losers' ops are left out once a
// branch won, the step after the race is planned rather than run, and a call
// targeting a loser's step reports that step.
func TestRaceTable(t *testing.T) {
	t.Parallel()
	h := wire.HashID
	tests := []struct {
		name   string
		memo   []string // memoized step ids, in stack order
		stepID string
		winner int // -1: Race did not return
		ops    []string
		status int
	}{
		{name: "nothing memoized: both branches plan", winner: -1,
			ops: []string{"StepPlanned:a1", "StepPlanned:b1"}, status: 206},
		{name: "a1 done: a plans a2, b still waits", memo: []string{"a1"}, winner: -1,
			ops: []string{"StepPlanned:a2", "StepPlanned:b1"}, status: 206},
		{name: "b1 done first: b wins, a's a2 left out, after planned", memo: []string{"a1", "b1"}, winner: 1,
			ops: []string{"StepPlanned:after"}, status: 206},
		{name: "a finished before b", memo: []string{"a1", "a2", "b1"}, winner: 0,
			ops: []string{"StepPlanned:after"}, status: 206},
		{name: "b finished before a's second step", memo: []string{"a1", "b1", "a2"}, winner: 1,
			ops: []string{"StepPlanned:after"}, status: 206},
		{name: "targeted at a loser's step: it runs and goes out", memo: []string{"b1", "a1"}, stepID: h("a2", 0), winner: -1,
			ops: []string{"StepRun:a2"}, status: 206},
		{name: "targeted at the step after the race", memo: []string{"b1"}, stepID: h("after", 0), winner: 1,
			ops: []string{"StepRun:after"}, status: 206},
		{name: "everything done: the function returns", memo: []string{"b1", "after"}, winner: 1, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			memo := map[string]json.RawMessage{}
			var stack []string
			for _, id := range tt.memo {
				memo[h(id, 0)] = memoOf(t, id)
				stack = append(stack, h(id, 0))
			}
			winner := -1
			r := execute(t, callOpts{memo: memo, stepID: tt.stepID, call: func(c *Call) {
				c.Req.Ctx.Stack = wire.Stack{Stack: stack, Current: len(stack)}
			}}, raceFn(t, &winner))
			require.Equal(t, tt.status, r.Status, "body: %s", r.Body)
			require.Equal(t, tt.winner, winner)
			if tt.status == 200 {
				require.JSONEq(t, `{"winner":1,"after":"after"}`, string(r.Body))
				return
			}
			got := ops(t, r)
			require.Equal(t, tt.ops, opNames(got))
			for _, o := range got {
				race := o.Name != "after"
				require.Equal(t, race, wire.ParallelModeOf(o.Opts) == wire.ParallelModeRace, "op %s opts %s", o.Name, o.Opts)
			}
		})
	}
}

// TestRaceNoStepsWins: a branch without steps wins at once, before a branch
// with a memoized step; the parallel mode is merged into the ops' other opts.
func TestRaceNoStepsWins(t *testing.T) {
	t.Parallel()
	w := -1
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		var err error
		w, err = Race(ctx, 3, func(ctx context.Context, i int) {
			switch i {
			case 0:
				_ = sleepStep(ctx, "nap")
			case 1:
			case 2:
			}
		})
		require.NoError(t, err)
		return json.Marshal(w)
	})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	require.Equal(t, 1, w)
}
