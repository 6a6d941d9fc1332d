package encryption_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
	"github.com/seed-b02f2472/inngest-go/step"
)

// TestEventFromJavaScript: a function receives the event data the JavaScript
// middleware sent (testdata/js_vectors.json "event") with its "encrypted" field
// in clear; the other fields are untouched.
func TestEventFromJavaScript(t *testing.T) {
	t.Parallel()
	f := loadVectors(t, "js_vectors.json")
	require.NotNil(t, f.Event)
	env := inngesttest.Start(t, inngesttest.Options{})
	enc, err := encryption.New(encryption.Options{Key: f.Key})
	require.NoError(t, err)
	c := env.NewClient(t, inngest.ClientOptions{AppID: "fromjs", Middleware: []*inngest.Middleware{enc}})
	type card struct {
		Card string `json:"card"`
	}
	type order struct {
		Order     string `json:"order"`
		Encrypted card   `json:"encrypted"`
	}
	ev := events.Define[order]("shop/order.placed")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[order]) (order, error) { return in.Event.Data, nil })
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	// Sent raw, as the JavaScript SDK put it on the wire.
	ids := env.Send(t, events.Raw{Name: "shop/order.placed", Data: f.Event.Sealed})
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	out, err := mustBoxKey(t, f.Key).Open(run.Output)
	require.NoError(t, err)
	require.JSONEq(t, string(f.Event.Plaintext), string(out))
}

// TestSendSealsEventField: Client.Send seals the "encrypted" field (or the
// configured one) and leaves the rest in clear; the engine stores the sealed
// form; DecryptOnly seals nothing.
func TestSendSealsEventField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  encryption.Options
		field string
		clear bool
	}{
		{name: "default field", opts: encryption.Options{Key: "k"}, field: "encrypted"},
		{name: "custom field", opts: encryption.Options{Key: "k", EventField: "secret"}, field: "secret"},
		{name: "decrypt only", opts: encryption.Options{Key: "k", DecryptOnly: true}, field: "encrypted", clear: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{})
			enc, err := encryption.New(tc.opts)
			require.NoError(t, err)
			c := env.NewClient(t, inngest.ClientOptions{AppID: "send", Middleware: []*inngest.Middleware{enc}})
			data := json.RawMessage(`{"order":"o-9","` + tc.field + `":{"card":"5555"}}`)
			ids, err := c.Send(t.Context(), events.Raw{Name: "shop/order.placed", Data: data})
			require.NoError(t, err)
			rec, err := env.Engine().Event(ids[0])
			require.NoError(t, err)
			b, err := json.Marshal(rec)
			require.NoError(t, err)
			require.Contains(t, string(b), "o-9")
			if tc.clear {
				require.Contains(t, string(b), "5555")
				return
			}
			require.NotContains(t, string(b), "5555")
			require.Contains(t, string(b), "inngest/libsodium")
		})
	}
}

// TestUnopenableStepFailsNamingTheStep: a memoized step sealed with a key the
// middleware does not have fails the run for good, once, with an error that
// names the step; it never panics.
func TestUnopenableStepFailsNamingTheStep(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	enc, err := encryption.New(encryption.Options{Key: "current", FallbackKeys: []string{"previous"}})
	require.NoError(t, err)
	c := env.NewClient(t, inngest.ClientOptions{AppID: "unopenable", Middleware: []*inngest.Middleware{enc}})
	ev := events.Define[map[string]any]("shop/order.placed")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Run(ctx, "load-card", func(ctx context.Context) (string, error) { return "4242", nil })
		})
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	foreign, err := mustBoxKey(t, "someone-else").Seal(json.RawMessage(`"4242"`))
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(foreign, &v))
	env.MockStep(fn.ID(), "load-card", v)
	ids := env.Send(t, ev.New(map[string]any{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.Contains(t, run.Error.Message, `step "load-card"`)
	require.Contains(t, run.Error.Message, "no key opens the value")
	require.Equal(t, 1, run.Attempts)
}

// TestPlainValuesPassThrough: a memoized step stored before the middleware was
// switched on (in clear) still decodes.
func TestPlainValuesPassThrough(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	enc, err := encryption.New(encryption.Options{Key: "current", PlainOutput: true})
	require.NoError(t, err)
	c := env.NewClient(t, inngest.ClientOptions{AppID: "plain", Middleware: []*inngest.Middleware{enc}})
	ev := events.Define[map[string]any]("shop/order.placed")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Run(ctx, "old", func(ctx context.Context) (string, error) { return "fresh", nil })
		})
	require.NoError(t, err)
	env.ServeClient(t, c, fn)
	env.MockStep(fn.ID(), "old", "stored in clear")
	ids := env.Send(t, ev.New(map[string]any{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"stored in clear"`)
}

func mustBoxKey(t *testing.T, key string) *encryption.Box {
	b, err := encryption.NewBox(key)
	require.NoError(t, err)
	return b
}
