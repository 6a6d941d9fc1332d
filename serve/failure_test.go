package serve_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// failedEventCall is the captured call that delivered inngest/function.failed for
// wirecap-fail-noretry (fail-noretry #6).
func failedEventCall(t *testing.T) wireCall {
	t.Helper()
	for _, c := range calls(loadCapture(t, "fail-noretry")) {
		if c.Seq == 6 {
			return c
		}
	}
	t.Fatal("fail-noretry #6 not found")
	return wireCall{}
}

// TestOnFailureCompanion: the per-function failure handler is served as
// "<id>-failure" and receives the failed run's event decoded as the function's own
// event type, the error and the run id.
func TestOnFailureCompanion(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	seen := &failureSeen{}
	h := serve.Handler(c, wireFunctions(t, c, seen)...)
	call := failedEventCall(t)
	url := strings.Replace(call.URL, "fnId=wirecap-on-failed", "fnId=wirecap-fail-noretry-failure", 1)
	rec := do(h, http.MethodPost, url, call.ReqBody, nil)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, "null", rec.Body.String())

	var body struct {
		Event struct {
			Data struct {
				Event struct {
					Data map[string]any `json:"data"`
					ID   string         `json:"id"`
				} `json:"event"`
				RunID string `json:"run_id"`
			} `json:"data"`
		} `json:"event"`
	}
	require.NoError(t, json.Unmarshal(call.ReqBody, &body))
	ev := body.Event

	seen.mu.Lock()
	defer seen.mu.Unlock()
	require.Len(t, seen.local, 1)
	got := seen.local[0]
	require.Equal(t, "wirecap-fail-noretry", got.FunctionID)
	require.Equal(t, ev.Data.RunID, got.RunID)
	require.Equal(t, "unhandled step error: permanent failure: do not retry", got.Error.Message)
	require.Equal(t, "NonRetriableError", got.Error.Error)
	require.Equal(t, "wirecap/fail-noretry", got.Event.Name)
	require.Equal(t, ev.Data.Event.ID, got.Event.ID)
	require.Equal(t, "to see a NoRetryError", got.Event.Data["why"])
	require.Empty(t, seen.global, "the global handler was not called")
}

// TestOnFailureRegistration: the companion is registered as the server expects
// (PROTOCOL §3.5): its own id, a filtered function.failed trigger, no retries.
func TestOnFailureRegistration(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
	seen := &failureSeen{}
	h := serve.Handler(c, wireFunctions(t, c, seen)...)
	rec := do(h, http.MethodPut, "http://localhost:3000/api/inngest", nil, nil)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	regs := api.requests("/fn/register")
	require.Len(t, regs, 1)
	var body struct {
		Functions []struct {
			ID       string           `json:"id"`
			Name     string           `json:"name"`
			Triggers []map[string]any `json:"triggers"`
			Retries  *int             `json:"retries"`
			Steps    map[string]struct {
				Runtime struct {
					URL string `json:"url"`
				} `json:"runtime"`
				Retries struct {
					Attempts int `json:"attempts"`
				} `json:"retries"`
			} `json:"steps"`
		} `json:"functions"`
	}
	require.NoError(t, json.Unmarshal(regs[0].Body, &body))
	found := false
	for _, f := range body.Functions {
		if f.ID != "wirecap-fail-noretry-failure" {
			continue
		}
		found = true
		require.Equal(t, "fail-noretry (failure)", f.Name)
		require.Equal(t, []map[string]any{{"event": "inngest/function.failed", "expression": "event.data.function_id == 'wirecap-fail-noretry'"}}, f.Triggers)
		require.Equal(t, 0, f.Steps["step"].Retries.Attempts)
		require.Equal(t, "http://localhost:3000/api/inngest?fnId=wirecap-fail-noretry-failure&stepId=step", f.Steps["step"].Runtime.URL)
	}
	require.True(t, found)
}
