package engine_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// GET /dev answers in the dev server's shape (version, startOpts, functions
// with the server's id/slug/steps, handlers) and lists every synced app.
func TestDevInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	resp, err := http.Get(h.api.URL + "/dev")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"version":"inngest-go-engine","authed":false,"startOpts":{"dir":"","urls":[],"autodiscover":false,"poll":false,"poll_interval":0,"tick":0,"retry_interval":0,"queue_workers":64,"require_keys":false},"functions":[],"handlers":[],"isSingleNodeService":false,"isMissingSigningKey":false,"isMissingEventKeys":false,"features":{}}`, string(b))

	h.mustRegister(
		h.fn("alpha", map[string]any{"concurrency": []any{map[string]any{"limit": 2, "key": "event.data.user"}},
			"steps": map[string]any{"step": map[string]any{"id": "step", "name": "alpha", "retries": map[string]any{"attempts": 1},
				"runtime": map[string]any{"url": h.app.srv.URL + "/api/inngest?fnId=app-alpha&step=step"}}}}),
		h.fn("beta", map[string]any{"triggers": []any{map[string]any{"cron": "0 * * * *"}}}),
	)
	resp, err = http.Get(h.api.URL + "/dev")
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	got := strings.ReplaceAll(string(b), h.app.srv.URL, "http://APP")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "devinfo.golden.json"), []byte(got), 0o644))
	}
	want, err := os.ReadFile(filepath.Join("testdata", "devinfo.golden.json"))
	require.NoError(t, err)
	require.JSONEq(t, string(want), got)
}
