package serve_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

// TestUnknownFunctionIsRetriable: a call for a function this deploy does not serve
// (a rolling deploy: the server synced a newer version, an older instance behind the
// same load balancer gets the call) is answered 404 with X-Inngest-No-Retry: false,
// so that the server retries it (on an instance that has it) instead of failing the
// run; the body names the function and the app. A call without any fnId is a
// malformed request: 400, not retried.
func TestUnknownFunctionIsRetriable(t *testing.T) {
	t.Parallel()
	for _, mode := range []inngest.Mode{inngest.ModeDev, inngest.ModeCloud} {
		c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecap", Mode: mode, SigningKey: testSigningKey,
			Logger: discardLogger(), APIBaseURL: "http://127.0.0.1:1"})
		require.NoError(t, err)
		cf := newCountingFn(t, c)
		h, err := serve.New(c, serve.Options{Now: func() time.Time { return fixedNow }}, cf.fn)
		require.NoError(t, err)
		body := call{}.body()
		rec := do(h, http.MethodPost, "/api/inngest?fnId=wirecap-added-in-v2&stepId=step", body, sign(testSigningKey, fixedNow, body))
		requireJSONError(t, rec, http.StatusNotFound, "false")
		var e struct{ Name, Message string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
		require.Equal(t, "FunctionNotFound", e.Name)
		require.Contains(t, e.Message, `"wirecap-added-in-v2"`)
		require.Contains(t, e.Message, `"wirecap"`)
		require.Contains(t, e.Message, "retry")

		rec = do(h, http.MethodPost, "/api/inngest?stepId=step", body, sign(testSigningKey, fixedNow, body))
		requireJSONError(t, rec, http.StatusBadRequest, "true")
		require.Zero(t, cf.runs.Load())
	}
}
