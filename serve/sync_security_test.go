package serve_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
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

// syncAttacks are unsigned PUTs from a stranger, each trying to make the app
// register a URL of the stranger's choosing through one part of the request.
var syncAttacks = []struct {
	name, target string
	header       map[string]string
	body         string
}{
	{name: "plain PUT", target: "/api/inngest"},
	{name: "Host", target: "https://attacker.example/api/inngest"},
	{name: "Host with port", target: "http://attacker.example:8443/api/inngest"},
	{name: "X-Forwarded-Host", target: "/api/inngest", header: map[string]string{"X-Forwarded-Host": "attacker.example"}},
	{name: "X-Forwarded-Proto downgrade", target: "/api/inngest", header: map[string]string{"X-Forwarded-Proto": "http"}},
	{name: "X-Forwarded-Port", target: "/api/inngest", header: map[string]string{"X-Forwarded-Port": "8443"}},
	{name: "Forwarded", target: "/api/inngest", header: map[string]string{"Forwarded": "for=1.2.3.4;host=attacker.example;proto=http"}},
	{name: "X-Forwarded-Prefix", target: "/api/inngest", header: map[string]string{"X-Forwarded-Prefix": "/evil"}},
	{name: "X-Original-Host", target: "/api/inngest", header: map[string]string{"X-Original-Host": "attacker.example", "X-Original-URL": "https://attacker.example/x"}},
	{name: "query url", target: "/api/inngest?url=https%3A%2F%2Fattacker.example%2Fapi%2Finngest"},
	{name: "query deployId", target: "/api/inngest?deployId=d-evil"},
	{name: "query extra parameter", target: "/api/inngest?x=1&fnId=evil"},
	{name: "body url", target: "/api/inngest", body: `{"url":"https://attacker.example/api/inngest?deployId=d-evil"}`},
	{name: "in-band requested", target: "/api/inngest", header: map[string]string{"X-Inngest-Sync-Kind": "in_band"}, body: `{"url":"https://attacker.example/api/inngest"}`},
	{name: "everything at once", target: "http://attacker.example/api/inngest?deployId=d-evil&url=https%3A%2F%2Fattacker.example",
		header: map[string]string{"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "http", "Forwarded": "host=attacker.example", "X-Forwarded-Prefix": "/evil"},
		body:   `{"url":"https://attacker.example/api/inngest?deployId=d-evil"}`},
}

// TestUnsignedSyncNeverRegistersARequestURL: a bare `curl -X PUT
// https://app/api/inngest` after a deploy syncs the app in cloud mode (the
// registration is authenticated by the signing key), but only to the configured
// ServeOrigin (with its scheme) and ServePath: no header, query parameter or body
// field of the unsigned PUT changes the registered URL or names a deploy. With no
// ServeOrigin, or one without a scheme, the PUT is refused with 401 and a message
// saying what to set, and the API sees no register request at all.
func TestUnsignedSyncNeverRegistersARequestURL(t *testing.T) {
	t.Parallel()
	for _, cfg := range []struct {
		name        string
		origin      string
		path        string
		want        string // "" = refused
		wantMessage string
	}{
		{name: "origin and path", origin: "https://public.example.com", path: "/base/api/inngest", want: "https://public.example.com/base/api/inngest"},
		{name: "origin only: the routed path", origin: "https://public.example.com:8443", want: "https://public.example.com:8443/api/inngest"},
		{name: "no origin", path: "/api/inngest"},
		{name: "origin without a scheme", origin: "public.example.com"},
		{name: "origin with another scheme", origin: "ftp://public.example.com"},
	} {
		for _, at := range syncAttacks {
			t.Run(cfg.name+"/"+at.name, func(t *testing.T) {
				t.Parallel()
				api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
					_, _ = w.Write([]byte(`{"ok":true,"modified":true}`))
				})
				h, _, cf := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL, ServeOrigin: cfg.origin, ServePath: cfg.path})
				rec := do(h, http.MethodPut, at.target, []byte(at.body), at.header)
				require.Zero(t, cf.runs.Load())
				if cfg.want == "" {
					require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
					require.Contains(t, rec.Body.String(), "INNGEST_SERVE_ORIGIN")
					require.Contains(t, rec.Body.String(), "signed sync")
					require.NotContains(t, rec.Body.String(), "attacker")
					require.Empty(t, api.requests("/"), "no request reached the API")
					return
				}
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				require.Equal(t, "out_of_band", rec.Header().Get("X-Inngest-Sync-Kind"))
				url, query := registeredURL(t, api, 0)
				require.Equal(t, cfg.want, url)
				require.Empty(t, query, "no deployId")
				var reg wire.RegisterRequest
				require.NoError(t, json.Unmarshal(api.requests("/fn/register")[0].Body, &reg))
				require.Equal(t, cfg.want+"?fnId=wirecap-counted&stepId=step", reg.Functions[0].Steps["step"].Runtime.URL)
			})
		}
	}
}

// TestTrustedSyncMayNameTheURL: a PUT signed by the server, and any PUT in dev mode,
// may name the URL and deploy (the server's own sync, from its UI or a deploy hook);
// without a URL it registers the URL it reached the app at (Host,
// X-Forwarded-Proto, path and query) under ServeOrigin / ServePath. A PUT with a bad
// signature is refused before anything is registered.
func TestTrustedSyncMayNameTheURL(t *testing.T) {
	t.Parallel()
	newAPI := func(t *testing.T) *fakeAPI {
		return newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			_, _ = w.Write([]byte(`{"ok":true,"modified":true}`))
		})
	}
	t.Run("signed PUT names the URL", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL, ServeOrigin: "https://public.example.com"})
		body := []byte(`{"url":"https://new-host.example/api/inngest?deployId=d-1"}`)
		rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", body, sign(testSigningKey, fixedNow, body))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		url, query := registeredURL(t, api, 0)
		require.Equal(t, "https://public.example.com/api/inngest", url, "ServeOrigin still applies")
		require.Equal(t, "deployId=d-1", query)
	})
	t.Run("signed PUT without ServeOrigin", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL})
		body := []byte(`{"url":"https://new-host.example/api/inngest?deployId=d-1"}`)
		rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", body, sign(testSigningKey, fixedNow, body))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		url, query := registeredURL(t, api, 0)
		require.Equal(t, "https://new-host.example/api/inngest", url)
		require.Equal(t, "deployId=d-1", query)
	})
	t.Run("dev mode trusts the request", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
		h := serve.Handler(c, newCountingFn(t, c).fn)
		rec := do(h, http.MethodPut, "http://laptop.local:3000/api/inngest?deployId=d-2", nil, map[string]string{"X-Forwarded-Proto": "https"})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		regs := api.requests("/fn/register")
		require.Len(t, regs, 1)
		var reg wire.RegisterRequest
		require.NoError(t, json.Unmarshal(regs[0].Body, &reg))
		require.Equal(t, "https://laptop.local:3000/api/inngest", reg.URL)
		require.Equal(t, "deployId=d-2", regs[0].Query)
	})
	t.Run("bad signature refused", func(t *testing.T) {
		t.Parallel()
		api := newAPI(t)
		h, _, _ := cloudServer(t, inngest.ClientOptions{APIBaseURL: api.URL, ServeOrigin: "https://public.example.com"})
		evil := []byte(`{"url":"https://attacker.example/api/inngest"}`)
		rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", evil, sign("signkey-test-99999999", fixedNow, evil))
		require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
		require.Empty(t, api.requests("/"))
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
