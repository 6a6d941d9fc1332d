package inngest_test

import (
	"context"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/stretchr/testify/require"
)

// OnFailure is an option of NewFunction: the companion exists from construction
// on, and giving it twice is a definition error.
func TestOnFailureOption(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	onFail := func(ctx context.Context, in inngest.FailureInput[order]) error { return nil }
	_, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge"}, inngest.OnEvent(evOrder), handler,
		inngest.OnFailure(onFail), inngest.OnFailure(onFail))
	require.ErrorIs(t, err, inngest.ErrInvalidFunction)
	require.ErrorContains(t, err, "OnFailure given twice")

	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge"}, inngest.OnEvent(evOrder), handler, inngest.OnFailure(onFail))
	require.NoError(t, err)
	require.Equal(t, "shop-charge", fn.ID())
}
