package engine_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestCancelRunAPI checks DELETE /v1/runs/{id} as the dev server answers it
// (probed): 200 with an empty body, also for a run already finished (which
// stays as it is); 404 for an unknown run; 400 for an id that is not a ULID.
// The cancelled run emits function.cancelled.
func TestCancelRunAPI(t *testing.T) {
	t.Parallel()
	cancelled := make(chan map[string]any, 1)
	h := newHarness(t, engine.Options{Clock: engine.NewVirtualClock(t0)}, func(c call) reply {
		switch c.FnID {
		case "app-watch":
			cancelled <- c.Req["event"].(map[string]any)
			return ok(`1`)
		case "app-quick":
			return ok(`"done"`)
		}
		return ops(`{"op":"Sleep","id":"nap","name":"nap","opts":{"duration":"1h"}}`)
	})
	h.mustRegister(h.fn("sleepy", nil), h.fn("quick", nil),
		h.fn("watch", map[string]any{"triggers": []any{map[string]any{"event": "inngest/function.cancelled"}}}))
	del := func(id string) (int, string) {
		req, _ := http.NewRequest(http.MethodDelete, h.api.URL+"/v1/runs/"+id, nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	quick := h.waitRuns(h.send("test/quick", map[string]any{}), 1)[0]
	id := h.send("test/sleepy", map[string]any{})
	waitUntil(t, func() bool { return len(must(h.eng.RunsForEvent(id))) == 1 && h.eng.Idle() })
	run := must(h.eng.RunsForEvent(id))[0]

	st, body := del(run.ID)
	require.Equal(t, http.StatusOK, st)
	require.Empty(t, body)
	require.Equal(t, runtype.StatusCancelled, h.waitRuns(id, 1)[0].Status)
	require.Equal(t, run.ID, (<-cancelled)["id"])
	st, _ = del(run.ID)
	require.Equal(t, http.StatusOK, st, "cancelling again is fine")
	st, _ = del(quick.ID)
	require.Equal(t, http.StatusOK, st)
	again, _ := h.eng.Run(quick.ID)
	require.Equal(t, runtype.StatusCompleted, again.Status, "a finished run stays finished")

	st, body = del("01M8KMTE317KXQRV4GJHDYMEV8")
	require.Equal(t, http.StatusNotFound, st)
	require.JSONEq(t, `{"error":"Unable to load function run: 01M8KMTE317KXQRV4GJHDYMEV8","data":null,"status":404}`, body)
	st, body = del("bogus")
	require.Equal(t, http.StatusBadRequest, st)
	require.JSONEq(t, `{"error":"Invalid run ID: bogus","data":null,"status":400}`, body)
}
