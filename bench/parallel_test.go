package bench

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

func branchID(i int) string { return "branch-" + strconv.Itoa(i) }

// parallelHandler serves a function of n parallel step.Run branches, each returning
// a ~1 KB payload.
func parallelHandler(tb testing.TB, n int) http.Handler {
	tb.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "bench", Mode: inngest.ModeDev})
	require.NoError(tb, err)
	branches := make([]func(ctx context.Context) (payload, error), n)
	for i := range branches {
		id := branchID(i)
		branches[i] = func(ctx context.Context) (payload, error) {
			return step.Run(ctx, id, func(ctx context.Context) (payload, error) { return makePayload(i), nil })
		}
	}
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parallel"}, inngest.OnEvent(orderCreated),
		func(ctx context.Context, in inngest.Input[order]) (int, error) {
			res, err := step.Parallel(ctx, branches...)
			return len(res), err
		})
	require.NoError(tb, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(tb, err)
	return h
}

const parallelURL = "/api/inngest?fnId=bench-parallel&stepId=step"

// parallelBody is the call body for n branches: none memoized (planned) or all.
func parallelBody(tb testing.TB, n int, memoized bool) []byte {
	steps := map[string]any{}
	if memoized {
		for i := 0; i < n; i++ {
			steps[wire.HashID(branchID(i), 0)] = map[string]any{"data": makePayload(i)}
		}
	}
	return callBody(tb, steps)
}

func TestParallelAnswers(t *testing.T) {
	t.Parallel()
	const n = 10
	h := parallelHandler(t, n)
	c := newCaller(t, h, parallelURL, parallelBody(t, n, false), nil)
	require.Equal(t, http.StatusPartialContent, c.do(), string(c.w.last))
	require.Equal(t, n, countOps(t, c.w.last, wire.OpStepPlanned))
	c = newCaller(t, h, parallelURL, parallelBody(t, n, true), nil)
	require.Equal(t, http.StatusOK, c.do(), string(c.w.last))
	require.Equal(t, strconv.Itoa(n), string(c.w.last))
}

func BenchmarkParallel(b *testing.B) {
	for _, n := range []int{10, 100} {
		h := parallelHandler(b, n)
		for _, mode := range []struct {
			name     string
			memoized bool
			status   int
		}{{"planned", false, http.StatusPartialContent}, {"memoized", true, http.StatusOK}} {
			b.Run("branches="+strconv.Itoa(n)+"/"+mode.name, func(b *testing.B) {
				body := parallelBody(b, n, mode.memoized)
				c := newCaller(b, h, parallelURL, body, nil)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					if code := c.do(); code != mode.status {
						b.Fatalf("status %d: %s", code, c.w.last)
					}
				}
				cpu.report(b)
			})
		}
	}
}
