package step

import (
	"context"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
)

// Parallel runs branches concurrently, each on its own goroutine, and returns their
// results in order. Steps inside branches are planned together, so the server runs
// them in parallel too. Each branch's steps must use ids distinct from the other
// branches'. The first error (in branch order) is returned with the results.
func Parallel[T any](ctx context.Context, branches ...func(ctx context.Context) (T, error)) ([]T, error) {
	results := make([]T, len(branches))
	errs := make([]error, len(branches))
	if err := exec.Parallel(ctx, len(branches), func(ctx context.Context, i int) {
		results[i], errs[i] = branches[i](ctx)
	}); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// Race runs branches as Parallel does and returns as soon as one of them has
// returned: the index of the branch that finished first, with its result and
// error (a branch that fails first wins with its error), as the JavaScript SDK's
// group.parallel({mode: "race"}) around Promise.race. Its steps are reported
// with parallelMode "race", so the server calls the function again as soon as
// each of them ends instead of waiting for all of them.
//
// Which branch finished first is read from the order in which the server
// stored the branches' step results, so every later call of the run picks the
// same winner. The other branches are not awaited: a step of theirs the server
// already scheduled still runs (and its result is stored), but no further step
// of theirs is started. The function's next step after a Race is scheduled by
// the server rather than run in the same call. A loser's step that is still
// out keeps the run's parallel group open: on the real dev server the call
// after that next step waits until it ends (a loser's long sleep delays the
// run's end by as much). A branch without steps wins at once.
func Race[T any](ctx context.Context, branches ...func(ctx context.Context) (T, error)) (int, T, error) {
	results := make([]T, len(branches))
	errs := make([]error, len(branches))
	var zero T
	if len(branches) == 0 {
		return -1, zero, inngest.NoRetry(ErrNoBranches)
	}
	w, err := exec.Race(ctx, len(branches), func(ctx context.Context, i int) {
		results[i], errs[i] = branches[i](ctx)
	})
	if err != nil {
		return -1, zero, err
	}
	return w, results[w], errs[w]
}
