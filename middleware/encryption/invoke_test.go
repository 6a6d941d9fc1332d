package encryption_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestInvokeDataAndResultSealed: step.Invoke seals the "encrypted" field of the
// data it sends (as the Python middleware does), the invoked function opens it,
// seals its result, and the invoking function opens that result from its memo.
// The engine stores neither the card nor the child's result in clear.
func TestInvokeDataAndResultSealed(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	enc, err := encryption.New(encryption.Options{Key: "k"})
	require.NoError(t, err)
	c := env.NewClient(t, inngest.ClientOptions{AppID: "inv", Middleware: []*inngest.Middleware{enc}})
	child, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.InvokeOnly[payment](),
		func(ctx context.Context, in inngest.Input[payment]) (string, error) {
			return "seen-" + in.Event.Data.Encrypted.Card, nil
		})
	require.NoError(t, err)
	ev := events.Define[map[string]any]("shop/invoke.started")
	parent, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Invoke(ctx, "pay", child.Ref(), payment{Order: "o-2", Encrypted: paymentCard{Card: plainCard}}, time.Hour)
		})
	require.NoError(t, err)
	env.ServeClient(t, c, child, parent)
	ids := env.Send(t, ev.New(map[string]any{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	out, err := mustBoxKey(t, "k").Open(run.Output)
	require.NoError(t, err)
	require.JSONEq(t, `"seen-`+plainCard+`"`, string(out))
	all, err := json.Marshal(must(env.Engine().Runs()))
	require.NoError(t, err)
	require.Contains(t, string(all), "o-2")
	require.NotContains(t, string(all), plainCard)
}
