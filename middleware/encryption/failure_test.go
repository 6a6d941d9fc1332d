package encryption_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
)

// TestFailureHandlerSeesOpenedEvent: a function's OnFailure handler gets the
// failed run's event with its "encrypted" field opened by the function's
// middleware.
func TestFailureHandlerSeesOpenedEvent(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	enc, err := encryption.New(encryption.Options{Key: "k"})
	require.NoError(t, err)
	c := env.NewClient(t, inngest.ClientOptions{AppID: "failenc", Middleware: []*inngest.Middleware{enc}})
	got := make(chan string, 1)
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge"}, inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (string, error) {
			return "", inngest.NoRetry(errors.New("declined"))
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[payment]) error {
			got <- in.Event.Data.Encrypted.Card
			return nil
		}))
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	ids, err := c.Send(t.Context(), paymentRequested.New(payment{Order: "o-3", Encrypted: paymentCard{Card: plainCard, Amount: 5}}))
	require.NoError(t, err)
	inngesttest.RequireFailed(t, env.WaitForRun(t, ids[0]))
	select {
	case card := <-got:
		require.Equal(t, plainCard, card)
	case <-time.After(30 * time.Second):
		t.Fatal("the failure handler did not run")
	}
}
