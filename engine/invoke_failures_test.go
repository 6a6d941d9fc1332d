package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestInvokeFailureModes checks what the invoking step receives, as the real
// server gave it (probed on the dev server, see engine/README.md): a missing
// function fails the step with the runner's message; a failed child passes its
// function.finished error; a cancelled child's function.finished has neither
// error nor result, so the server resumes the parent with the whole
// function.finished event as the step's value (the step succeeds).
func TestInvokeFailureModes(t *testing.T) {
	t.Parallel()
	invoke := func(target string) string {
		return `{"op":"InvokeFunction","id":"i","name":"i","opts":{"function_id":"` + target + `","payload":{"data":{}},"timeout":"1h"}}`
	}
	finished := make(chan map[string]any, 8)
	// A manual clock: the child's sleep and the invoke's timeout must not pass.
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		switch c.FnID {
		case "app-child-fails":
			return reply{Status: 500, Body: `{"name":"Error","message":"nope"}`, Headers: map[string]string{"X-Inngest-No-Retry": "true"}}
		case "app-child-sleeps":
			return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"1h"}}`)
		case "app-watch":
			finished <- c.Req["event"].(map[string]any)
			return ok(`1`)
		}
		if len(c.steps()) == 0 {
			switch c.FnID {
			case "app-call-missing":
				return ops(invoke("app-nope"))
			case "app-call-fails":
				return ops(invoke("app-child-fails"))
			case "app-call-cancelled":
				return ops(invoke("app-child-sleeps"))
			}
		}
		return ok(string(mustJSON(c.steps()["i"])))
	})
	h.mustRegister(h.fn("call-missing", nil), h.fn("call-fails", nil), h.fn("call-cancelled", nil),
		h.fn("child-fails", nil),
		h.fn("child-sleeps", map[string]any{"cancel": []any{map[string]any{"event": "test/stop"}}}),
		h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.finished", "expression": "event.data.function_id == 'app-child-sleeps'"}}}),
	)
	missing := h.send("test/call-missing", map[string]any{})
	require.JSONEq(t, `{"error":{"message":"could not find function with ID: app-nope","name":"Error"}}`, string(h.waitRuns(missing, 1)[0].Output))
	fails := h.send("test/call-fails", map[string]any{})
	require.JSONEq(t, `{"error":{"error":"NonRetriableError","message":"nope","name":"Error"}}`, string(h.waitRuns(fails, 1)[0].Output))

	cancelled := h.send("test/call-cancelled", map[string]any{})
	waitUntil(t, func() bool { return len(runsOf(h.eng, "app-child-sleeps")) == 1 && h.eng.Idle() })
	h.send("test/stop", map[string]any{})
	parent := h.waitRuns(cancelled, 1)[0]
	require.Equal(t, runtype.StatusCompleted, parent.Status)
	ev := <-finished
	var got map[string]any
	require.NoError(t, json.Unmarshal(parent.Output, &got))
	require.Equal(t, ev, got, "the step's value is the child's function.finished event")
	require.Equal(t, "Cancelled", ev["data"].(map[string]any)["_inngest"].(map[string]any)["status"])
}

// TestInvokeTimeoutIsNotBounded: the server bounds sleeps and waits but not
// invoke timeouts (a 400-day invoke timeout was accepted on the dev server),
// so a child that finishes after 370 days (two sleeps) still resolves the step.
func TestInvokeTimeoutIsNotBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{Retention: -1}, func(c call) reply {
		if c.FnID == "app-child" {
			switch len(c.steps()) {
			case 0:
				return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"300d"}}`)
			case 1:
				return ops(`{"op":"Sleep","id":"nap2","name":"nap2","opts":{"duration":"70d"}}`)
			}
			return ok(`"late"`)
		}
		if len(c.steps()) == 0 {
			return ops(`{"op":"InvokeFunction","id":"i","name":"i","opts":{"function_id":"app-child","payload":{"data":{}},"timeout":"400d"}}`)
		}
		return ok(string(mustJSON(c.steps()["i"])))
	})
	h.mustRegister(h.fn("parent", nil), h.fn("child", nil))
	id := h.send("test/parent", map[string]any{})
	require.JSONEq(t, `{"data":"late"}`, string(h.waitRuns(id, 1)[0].Output))
}
