package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Functions are found by exact trigger name and by wildcard, in composite-ID
// order, each once, and a re-sync that removes or adds triggers is seen by
// the next event.
func TestTriggerLookup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`"done"`) })
	both := h.fn("both", nil)
	both["triggers"] = []any{map[string]any{"event": "shop/order.created"}, map[string]any{"event": "shop/*"}}
	wild := h.fn("wild", nil)
	wild["triggers"] = []any{map[string]any{"event": "shop/order.*"}}
	exact := h.fn("exact", nil)
	exact["triggers"] = []any{map[string]any{"event": "shop/order.created"}}
	other := h.fn("other", nil)
	other["triggers"] = []any{map[string]any{"event": "billing/*"}}
	h.mustRegister(both, wild, exact, other)

	fnsFor := func(name string) []string {
		ids, err := h.eng.SendJSON(context.Background(), []byte(`{"name":"`+name+`","data":{}}`))
		require.NoError(t, err)
		var out []string
		for _, r := range must(h.eng.RunsForEvent(ids[0])) {
			out = append(out, r.FunctionID)
		}
		return out
	}
	require.ElementsMatch(t, []string{"app-both", "app-exact", "app-wild"}, fnsFor("shop/order.created"))
	require.ElementsMatch(t, []string{"app-both", "app-wild"}, fnsFor("shop/order.paid"))
	require.ElementsMatch(t, []string{"app-both"}, fnsFor("shop/cart.updated"))
	require.ElementsMatch(t, []string{"app-other"}, fnsFor("billing/invoice.sent"))
	require.Empty(t, fnsFor("crm/lead.created"))

	// Re-sync: "exact" is gone, "crm" is new.
	crm := h.fn("crm", nil)
	crm["triggers"] = []any{map[string]any{"event": "crm/lead.created"}}
	h.mustRegister(both, wild, other, crm)
	require.ElementsMatch(t, []string{"app-both", "app-wild"}, fnsFor("shop/order.created"))
	require.ElementsMatch(t, []string{"app-crm"}, fnsFor("crm/lead.created"))
}
