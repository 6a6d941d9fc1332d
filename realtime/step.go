package realtime

import (
	"context"
	"errors"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/step"
)

// PublishStep publishes data on ref as a durable step named id: the publish
// happens in a step.Run, so once it succeeded the run records it and a later
// call of the function (a replay after another step, a retry) returns data
// from the record without publishing again. A failed publish is retried like
// any step. The message carries the run's id (run_id).
//
// It publishes with the client that serves the function (its API base URL
// and signing keys); outside a function it returns step.ErrNotInFunction.
func PublishStep[T any](ctx context.Context, id string, ref Ref[T], data T) (T, error) {
	if err := ref.check(); err != nil {
		var zero T
		return zero, err
	}
	return step.Run(ctx, id, func(ctx context.Context) (T, error) {
		c, ok := exec.SenderFrom(ctx).(*inngest.Client)
		if !ok {
			return data, inngest.NoRetry(errors.New("inngest: realtime: no client serves this function"))
		}
		return data, Publish(ctx, New(c), ref, data, PublishOptions{RunID: exec.RunIDFrom(ctx)})
	})
}
