package serve_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// registeredURL returns the app URL of the one /fn/register call made since before.
func registeredURL(t *testing.T, api *fakeAPI, before int) (url, query string) {
	t.Helper()
	regs := api.requests("/fn/register")
	require.Len(t, regs, before+1, "one register call")
	var reg struct {
		URL string `json:"url"`
	}
	require.NoError(t, json.Unmarshal(regs[before].Body, &reg))
	require.Equal(t, "Bearer "+wire.HashSigningKey(testSigningKey), regs[before].Header.Get("Authorization"))
	return reg.URL, regs[before].Query
}

// TestUnsignedSyncInCloudMode: a bare `curl -X PUT https://app/api/inngest` after a
// deploy syncs the app in cloud mode, as the official SDKs and Inngest's docs have
// it; the registration is authenticated by the signing key. But nothing in an
// unsigned PUT is trusted: its body URL and deployId are ignored, and the app is
// registered at its configured ServeOrigin/ServePath or at the URL the request came
// to. Only a signed PUT may re-point the app. A PUT with a bad signature is still
// refused.
func TestUnsignedSyncInCloudMode(t *testing.T) {
	t.Parallel()
	// Each subtest has its own fake API: they run in parallel and count registrations.
	newAPI := func(t *testing.T) *fakeAPI {
		return newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			_, _ = w.Write([]byte(`{"ok":true,"modified":true}`))
		})
	}
	evil := []byte(`{"url":"https://attacker.example/api/inngest?deployId=d-evil"}`)

	t.Run("request-derived URL", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, cf := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL})
		before := len(api.requests("/fn/register"))
		rec := do(h, http.MethodPut, "https://app.example.com/api/inngest?deployId=d-evil", evil, map[string]string{"X-Inngest-Sync-Kind": "in_band"})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "out_of_band", rec.Header().Get("X-Inngest-Sync-Kind"))
		url, query := registeredURL(t, api, before)
		require.Equal(t, "https://app.example.com/api/inngest", url)
		require.NotContains(t, query, "deployId")
		require.Zero(t, cf.runs.Load())
	})
	t.Run("configured origin and path", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL, ServeOrigin: "https://public.example.com", ServePath: "/base/api/inngest"})
		before := len(api.requests("/fn/register"))
		rec := do(h, http.MethodPut, "http://10.0.0.7:8080/api/inngest", evil, nil)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		url, _ := registeredURL(t, api, before)
		require.Equal(t, "https://public.example.com/base/api/inngest", url)
	})
	t.Run("signed PUT may re-point the app", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL})
		before := len(api.requests("/fn/register"))
		body := []byte(`{"url":"https://new-host.example/api/inngest?deployId=d-1"}`)
		rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", body, sign(testSigningKey, fixedNow, body))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		url, query := registeredURL(t, api, before)
		require.Equal(t, "https://new-host.example/api/inngest", url)
		require.Equal(t, "deployId=d-1", query)
	})
	t.Run("bad signature refused", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL})
		before := len(api.requests("/fn/register"))
		rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", evil, sign("signkey-test-99999999", fixedNow, evil))
		require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
		require.Len(t, api.requests("/fn/register"), before)
	})
}

// TestSignatureFromTheFuture: a signature more than five minutes ahead of the clock
// is refused like a stale one, on calls, trust probes, introspection and syncs; one
// within five minutes passes (clock skew).
func TestSignatureFromTheFuture(t *testing.T) {
	t.Parallel()
	h, _, cf := cloudServer(t, inngest.ClientOptions{EventKey: testEventKey})
	body := call{}.body()
	target := "/api/inngest?fnId=wirecap-counted&stepId=step"
	for _, ahead := range []time.Duration{wire.SignatureMaxAge + time.Second, time.Hour, 24 * time.Hour} {
		at := fixedNow.Add(ahead)
		rec := do(h, http.MethodPost, target, body, sign(testSigningKey, at, body))
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%s ahead: %s", ahead, rec.Body.String())
		require.Contains(t, rec.Body.String(), "future")
		rec = do(h, http.MethodPost, "/api/inngest?probe=trust", []byte(`{}`), sign(testSigningKey, at, []byte(`{}`)))
		require.Equal(t, http.StatusUnauthorized, rec.Code, "probe %s ahead", ahead)
		put := []byte(`{"url":"https://attacker.example/api/inngest"}`)
		rec = do(h, http.MethodPut, "/api/inngest", put, sign(testSigningKey, at, put))
		require.Equal(t, http.StatusUnauthorized, rec.Code, "PUT %s ahead", ahead)
		rec = do(h, http.MethodGet, "/api/inngest", nil, sign(testSigningKey, at, nil))
		require.NotContains(t, rec.Body.String(), "signing_key_hash", "GET %s ahead: no authenticated introspection", ahead)
	}
	require.Zero(t, cf.runs.Load())
	rec := do(h, http.MethodPost, target, body, sign(testSigningKey, fixedNow.Add(wire.SignatureMaxAge), body))
	require.Equal(t, 206, rec.Code, rec.Body.String())
}
