package step

import (
	"context"

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
