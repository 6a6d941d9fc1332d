package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
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

// TestRollingDeployDoesNotFailRuns drives the whole path on the embedded engine:
// the app is synced by its new version (which has the function), but the first call
// reaches an instance still running the old version (which does not). That call is
// answered 404 and retried, the retry reaches the new version and the run
// completes.
func TestRollingDeployDoesNotFailRuns(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.Client()
	kept := mustFn(t, c, inngest.FunctionOpts{ID: "kept"}, inngest.OnEvent(def("deploy/kept.ran")), oneStep)
	added := mustFn(t, c, inngest.FunctionOpts{ID: "added"}, inngest.OnEvent(evTest), oneStep)
	oldVersion, err := serve.New(c, serve.Options{}, kept)
	require.NoError(t, err)
	newVersion, err := serve.New(c, serve.Options{}, kept, added)
	require.NoError(t, err)

	var calls atomic.Int32
	statuses := make(chan int, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := http.Handler(newVersion)
		if r.Method == http.MethodPost && calls.Add(1) == 1 {
			h = oldVersion // the load balancer picks an old instance once
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost {
			statuses <- rec.Code
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	require.NoError(t, env.Engine().Sync(context.Background(), srv.URL+"/api/inngest"))

	ids := env.Send(t, evTest.New(anyData{}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	require.Equal(t, http.StatusNotFound, <-statuses, "the old instance's answer")
	require.GreaterOrEqual(t, calls.Load(), int32(2))
}
