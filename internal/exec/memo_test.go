package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

type order struct {
	ID    string   `json:"id"`
	Total float64  `json:"total"`
	Tags  []string `json:"tags"`
}

// TestMemoShortCircuits: a memoized Run step returns its recorded value decoded
// into T, its code does not run, and the function goes on to the next step.
func TestMemoShortCircuits(t *testing.T) {
	t.Parallel()
	want := order{ID: "o-1", Total: 12.5, Tags: []string{"a", "b"}}
	memo := map[string]json.RawMessage{wire.HashID("load", 0): memoOf(t, want)}
	var got order
	ranLoad := false
	r := execute(t, callOpts{memo: memo}, func(ctx context.Context, in *Input) ([]byte, error) {
		require.True(t, in.Started, "a call with memoized steps continues a started run")
		var err error
		got, err = runStep(ctx, "load", func(context.Context) (order, error) { ranLoad = true; return order{}, nil })
		if err != nil {
			return nil, err
		}
		_, err = runStep(ctx, "next", func(context.Context) (string, error) { return "n", nil })
		return nil, err
	})
	require.False(t, ranLoad)
	require.Equal(t, want, got)
	require.Equal(t, []string{"StepRun:next"}, opNames(ops(t, r)))
}

// TestMemoLookup covers what counts as a memo: the raw bytes are handed over
// unchanged, null is a completed step, and an entry holding only a stored input
// is not a result.
func TestMemoLookup(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		raw    string
		isMemo bool
	}{
		{name: "data", raw: `{"data":{"x":1}}`, isMemo: true},
		{name: "error", raw: `{"error":{"name":"Error","message":"m"}}`, isMemo: true},
		{name: "null (sleep done, wait timed out)", raw: `null`, isMemo: true},
		{name: "bare value", raw: `42`, isMemo: true},
		{name: "input only", raw: `{"input":[1,2]}`, isMemo: false},
		{name: "input only, spaced", raw: `{ "input" : {"a":1} }`, isMemo: false},
		{name: "input and data", raw: `{"input":[1],"data":3}`, isMemo: true},
		{name: "input and error", raw: `{"input":[1],"error":{"name":"E","message":"m"}}`, isMemo: true},
		{name: "input and id (an event)", raw: `{"input":1,"id":"ev"}`, isMemo: true},
		{name: "input nested deeper", raw: `{"data":{"input":1}}`, isMemo: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hash := wire.HashID("s", 0)
			var raw json.RawMessage
			var ok bool
			execute(t, callOpts{memo: map[string]json.RawMessage{hash: json.RawMessage(tc.raw)}},
				func(ctx context.Context, _ *Input) ([]byte, error) {
					s, err := Begin(ctx, "s")
					require.NoError(t, err)
					raw, ok = s.Memo()
					s.f.release()
					return nil, nil
				})
			require.Equal(t, tc.isMemo, ok)
			if tc.isMemo {
				require.Equal(t, tc.raw, string(raw))
			} else {
				require.Nil(t, raw)
			}
		})
	}
}

// TestMemoInputOnlyRuns: a step whose memo is only its stored input runs its code
// (the input is not a result).
func TestMemoInputOnlyRuns(t *testing.T) {
	t.Parallel()
	memo := map[string]json.RawMessage{wire.HashID("s", 0): json.RawMessage(`{"input":["x"]}`)}
	r := execute(t, callOpts{memo: memo}, func(ctx context.Context, _ *Input) ([]byte, error) {
		_, err := runStep(ctx, "s", func(context.Context) (int, error) { return 5, nil })
		return nil, err
	})
	got := ops(t, r)
	require.Equal(t, []string{"StepRun:s"}, opNames(got))
	require.JSONEq(t, `5`, string(got[0].Data))
}

// TestStepIDCounter: repeated ids get the hash of "id:n" (the first one plain id),
// each repeat finds its own memo, and distinct ids count separately.
func TestStepIDCounter(t *testing.T) {
	t.Parallel()
	memo := map[string]json.RawMessage{}
	for n := range 3 {
		memo[wire.HashID("loop", n)] = memoOf(t, fmt.Sprintf("loop-%d", n))
	}
	memo[wire.HashID("other", 0)] = memoOf(t, "other-0")
	var got []string
	var hashes []string
	var indexes []int
	r := execute(t, callOpts{memo: memo}, func(ctx context.Context, _ *Input) ([]byte, error) {
		for _, id := range []string{"loop", "other", "loop", "loop", "loop"} {
			s, err := Begin(ctx, id)
			require.NoError(t, err)
			hashes = append(hashes, s.Hash)
			indexes = append(indexes, s.Index)
			s.f.release()
			require.Equal(t, &wire.Userland{ID: id, Index: s.Index}, s.Userland())
		}
		return nil, nil
	})
	require.Equal(t, 200, r.Status)
	require.Equal(t, []int{0, 0, 1, 2, 3}, indexes)
	require.Equal(t, []string{wire.HashID("loop", 0), wire.HashID("other", 0), wire.HashID("loop", 1), wire.HashID("loop", 2), wire.HashID("loop", 3)}, hashes)
	require.NotEqual(t, wire.HashID("loop", 0), wire.HashID("loop", 1))

	r = execute(t, callOpts{memo: memo}, func(ctx context.Context, _ *Input) ([]byte, error) {
		for _, id := range []string{"loop", "other", "loop", "loop"} {
			v, err := runStep(ctx, id, func(context.Context) (string, error) { return "ran", nil })
			require.NoError(t, err)
			got = append(got, v)
		}
		return []byte(`"end"`), nil
	})
	require.Equal(t, 200, r.Status)
	require.Equal(t, `"end"`, string(r.Body))
	require.Equal(t, []string{"loop-0", "other-0", "loop-1", "loop-2"}, got)
}

// TestReplayingEndsWhenAllMemosVisited: Replaying holds while memoized steps are
// replayed and ends at the last one; the replay-aware logger drops records
// until then.
func TestReplayingEndsWhenAllMemosVisited(t *testing.T) {
	t.Parallel()
	memo := map[string]json.RawMessage{
		wire.HashID("a", 0): memoOf(t, 1),
		wire.HashID("b", 0): memoOf(t, 2),
	}
	var states []bool
	var logged []string
	base := captureLogger(&logged)
	r := execute(t, callOpts{memo: memo, call: func(c *Call) { c.Logger = base }}, func(ctx context.Context, _ *Input) ([]byte, error) {
		log := LoggerFrom(ctx)
		states = append(states, Replaying(ctx))
		log.Info("before a")
		_, _ = runStep(ctx, "a", func(context.Context) (int, error) { return 0, nil })
		states = append(states, Replaying(ctx))
		log.Info("after a")
		_, _ = runStep(ctx, "b", func(context.Context) (int, error) { return 0, nil })
		states = append(states, Replaying(ctx))
		log.Info("after b")
		return nil, nil
	})
	require.Equal(t, 200, r.Status)
	require.Equal(t, []bool{true, true, false}, states)
	require.Equal(t, []string{"after b"}, logged)
	require.False(t, Replaying(context.Background()))
}

// TestNondeterminismWarning: a new step reported while memoized steps were left
// unreached logs a warning naming the unreached hashes in the server's order.
func TestNondeterminismWarning(t *testing.T) {
	t.Parallel()
	hA, hB := wire.HashID("a", 0), wire.HashID("b", 0)
	memo := map[string]json.RawMessage{hA: memoOf(t, 1), hB: memoOf(t, 2)}
	var logged []string
	r := execute(t, callOpts{memo: memo, call: func(c *Call) {
		c.Logger = captureLogger(&logged)
		c.Req.Ctx.Stack.Stack = []string{hB, hA}
	}}, func(ctx context.Context, _ *Input) ([]byte, error) {
		_, err := runStep(ctx, "renamed", func(context.Context) (int, error) { return 0, nil })
		return nil, err
	})
	require.Equal(t, []string{"StepRun:renamed"}, opNames(ops(t, r)))
	require.Len(t, logged, 1)
	require.Contains(t, logged[0], "is the function deterministic?")
	require.Contains(t, logged[0], "unreached_step_hashes=["+hB+" "+hA+"]")
	require.Contains(t, logged[0], "new_steps=[renamed]")

	// Every memo reached: no warning.
	logged = nil
	r = execute(t, callOpts{memo: memo, call: func(c *Call) { c.Logger = captureLogger(&logged) }},
		func(ctx context.Context, _ *Input) ([]byte, error) {
			for _, id := range []string{"a", "b", "c"} {
				if _, err := runStep(ctx, id, func(context.Context) (int, error) { return 0, nil }); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
	require.Equal(t, []string{"StepRun:c"}, opNames(ops(t, r)))
	require.Empty(t, logged)
}
