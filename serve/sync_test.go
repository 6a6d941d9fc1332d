package serve_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

const (
	testSigningKey  = "signkey-test-12345678"
	testFallbackKey = "signkey-test-abcdef01"
	testEventKey    = "evkey-secret-0123456789"
)

var fixedNow = time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)

// cloudServer returns a cloud-mode handler (signing key set, clock fixed) serving
// one function whose runs are counted.
func cloudServer(t *testing.T, opts inngest.ClientOptions) (*serve.Server, *syncBuffer, *countingFn) {
	t.Helper()
	var logs *syncBuffer
	if opts.Logger == nil {
		opts.Logger, logs = testLogger()
	}
	opts.AppID = "wirecap"
	opts.Mode = inngest.ModeCloud
	if opts.SigningKey == "" {
		opts.SigningKey = testSigningKey
	}
	if opts.APIBaseURL == "" {
		opts.APIBaseURL = "http://127.0.0.1:1"
	}
	opts.Checkpoint.Disabled = true
	c, err := inngest.NewClient(opts)
	require.NoError(t, err)
	cf := newCountingFn(t, c)
	h, err := serve.New(c, serve.Options{Now: func() time.Time { return fixedNow }}, cf.fn)
	require.NoError(t, err)
	return h, logs, cf
}

func sign(key string, at time.Time, body []byte) map[string]string {
	return map[string]string{"X-Inngest-Signature": wire.Sign(key, at, body)}
}

func TestSyncOutOfBand(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(`{"ok":true,"modified":true,"sync_id":"s1","app_id":"a1"}`))
	})
	c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, SigningKey: testSigningKey, Env: "feature-x"})
	h := serve.Handler(c, wireFunctions(t, c, &failureSeen{})...)
	for _, tc := range []struct {
		name, target, body string
	}{
		{"deployId on the PUT URL", "http://localhost:3000/api/inngest?deployId=d-123", `{"url":"http://localhost:3000/api/inngest"}`},
		{"deployId in the body URL", "http://localhost:3000/api/inngest", `{"url":"http://localhost:3000/api/inngest?deployId=d-123"}`},
		{"deployId on the PUT URL, empty body", "http://localhost:3000/api/inngest?deployId=d-123", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(api.requests("/fn/register"))
			rec := do(h, http.MethodPut, tc.target, []byte(tc.body), map[string]string{"X-Inngest-Server-Kind": "dev"})
			require.Equal(t, 200, rec.Code, rec.Body.String())
			requireSDKHeaders(t, rec.Header())
			require.Equal(t, "out_of_band", rec.Header().Get("X-Inngest-Sync-Kind"))
			require.JSONEq(t, `{"message":"Successfully registered","modified":true}`, rec.Body.String())
			regs := api.requests("/fn/register")
			require.Len(t, regs, before+1)
			r := regs[len(regs)-1]
			require.Equal(t, "deployId=d-123", r.Query)
			require.Equal(t, "Bearer "+wire.HashSigningKey(testSigningKey), r.Header.Get("Authorization"))
			require.Equal(t, "dev", r.Header.Get("X-Inngest-Expected-Server-Kind"))
			require.Equal(t, sdkHeader, r.Header.Get("X-Inngest-SDK"))
			require.Equal(t, "feature-x", r.Header.Get("X-Inngest-Env"))
			require.Equal(t, "application/json", r.Header.Get("Content-Type"))
			var reg wire.RegisterRequest
			require.NoError(t, json.Unmarshal(r.Body, &reg))
			require.Equal(t, "http://localhost:3000/api/inngest", reg.URL)
			for _, f := range reg.Functions {
				require.NotContains(t, f.Steps["step"].Runtime.URL, "deployId")
			}
		})
	}
	// No server kind on the PUT: none expected on the register call.
	rec := do(h, http.MethodPut, "http://localhost:3000/api/inngest", nil, nil)
	require.Equal(t, 200, rec.Code)
	regs := api.requests("/fn/register")
	require.Empty(t, regs[len(regs)-1].Header.Get("X-Inngest-Expected-Server-Kind"))
}

func TestSyncRegisterFailure(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"At least one function is invalid"}`))
	})
	c, logs := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL})
	h := serve.Handler(c, wireFunctions(t, c, &failureSeen{})...)
	rec := do(h, http.MethodPut, "http://localhost:3000/api/inngest", nil, nil)
	require.Equal(t, 500, rec.Code)
	requireSDKHeaders(t, rec.Header())
	var reply struct {
		Message  string `json:"message"`
		Modified bool   `json:"modified"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &reply))
	require.Contains(t, reply.Message, "At least one function is invalid")
	require.False(t, reply.Modified)
	require.Contains(t, logs.String(), "sync failed")
}

func TestSyncFallbackKeyOn401And403(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			if r.Header.Get("Authorization") != "Bearer "+wire.HashSigningKey(testFallbackKey) {
				w.WriteHeader(status)
				return
			}
			_, _ = w.Write([]byte(`{"ok":true,"modified":false}`))
		})
		c, _ := devClient(t, inngest.ClientOptions{APIBaseURL: api.URL, SigningKey: testSigningKey, SigningKeyFallback: testFallbackKey})
		h := serve.Handler(c, wireFunctions(t, c, &failureSeen{})...)
		rec := do(h, http.MethodPut, "http://localhost:3000/api/inngest", nil, nil)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		require.Len(t, api.requests("/fn/register"), 2)
	}
}

func TestSyncInBand(t *testing.T) {
	t.Parallel()
	h, _, cf := cloudServer(t, inngest.ClientOptions{EventKey: testEventKey})
	body := []byte(`{"url":"https://app.example.com/api/inngest?deployId=d1&x=1"}`)
	hdr := sign(testSigningKey, fixedNow, body)
	hdr["X-Inngest-Sync-Kind"] = "in_band"
	rec := do(h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, "in_band", rec.Header().Get("X-Inngest-Sync-Kind"))
	require.Equal(t, wire.SignResponse(testSigningKey, fixedNow, rec.Body.Bytes()), rec.Header().Get("X-Inngest-Signature"))
	_, err := wire.VerifySignature(rec.Header().Get("X-Inngest-Signature"), rec.Body.Bytes(), fixedNow, testSigningKey, "")
	require.NoError(t, err)
	var out wire.InBandSyncResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.Equal(t, "wirecap", out.AppID)
	require.Equal(t, "https://app.example.com/api/inngest?x=1", out.URL)
	require.Len(t, out.Functions, 1)
	require.Equal(t, "https://app.example.com/api/inngest?x=1&fnId=wirecap-counted&stepId=step", out.Functions[0].Steps["step"].Runtime.URL)
	require.True(t, *out.Inspection.AuthenticationSucceeded)
	require.Zero(t, cf.runs.Load())

	// Signed with the fallback key: the reply is signed with the fallback key.
	h2, _, _ := cloudServer(t, inngest.ClientOptions{SigningKeyFallback: testFallbackKey})
	hdr = sign(testFallbackKey, fixedNow, body)
	hdr["X-Inngest-Sync-Kind"] = "in_band"
	rec = do(h2, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Equal(t, wire.SignResponse(testFallbackKey, fixedNow, rec.Body.Bytes()), rec.Header().Get("X-Inngest-Signature"))
}

func keysOf(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	out := sortedKeys(m)
	sort.Strings(out)
	return out
}

var unauthedKeys = []string{"authentication_succeeded", "function_count", "has_event_key", "has_signing_key", "has_signing_key_fallback", "mode", "schema_version"}

func TestIntrospection(t *testing.T) {
	t.Parallel()
	h, _, _ := cloudServer(t, inngest.ClientOptions{EventKey: testEventKey, SigningKeyFallback: testFallbackKey, ServeOrigin: "https://app.example.com", ServePath: "/api/inngest"})

	rec := do(h, http.MethodGet, "/api/inngest", nil, nil)
	require.Equal(t, 200, rec.Code)
	requireSDKHeaders(t, rec.Header())
	require.Equal(t, unauthedKeys, keysOf(t, rec.Body.Bytes()))
	require.JSONEq(t, `{"authentication_succeeded":null,"function_count":1,"has_event_key":true,"has_signing_key":true,"has_signing_key_fallback":true,"mode":"cloud","schema_version":"2024-05-24"}`, rec.Body.String())

	rec = do(h, http.MethodGet, "/api/inngest", nil, sign("signkey-test-99999999", fixedNow, nil))
	require.Equal(t, 200, rec.Code)
	require.Equal(t, unauthedKeys, keysOf(t, rec.Body.Bytes()))
	require.Contains(t, rec.Body.String(), `"authentication_succeeded":false`)

	for _, key := range []string{testSigningKey, testFallbackKey} {
		rec = do(h, http.MethodGet, "/api/inngest", nil, sign(key, fixedNow, nil))
		require.Equal(t, 200, rec.Code)
		var in map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &in))
		require.Equal(t, true, in["authentication_succeeded"])
		require.Equal(t, wire.HashSigningKey(testSigningKey), in["signing_key_hash"])
		require.Equal(t, wire.HashSigningKey(testFallbackKey), in["signing_key_fallback_hash"])
		require.Equal(t, wire.HashEventKey(testEventKey), in["event_key_hash"])
		require.Equal(t, "wirecap", in["app_id"])
		require.Equal(t, "https://app.example.com", in["serve_origin"])
		require.Equal(t, "/api/inngest", in["serve_path"])
		require.Equal(t, "go", in["sdk_language"])
		require.Equal(t, inngest.Version, in["sdk_version"])
		require.Equal(t, "http://127.0.0.1:1", in["api_origin"])
		require.Contains(t, in, "capabilities")
		require.Nil(t, in["env"])
	}
}

// TestIntrospectionDevPlaceholderKey: in dev mode without an event key, the
// placeholder key the SDK sends with is not reported as a configured event key.
func TestIntrospectionDevPlaceholderKey(t *testing.T) {
	t.Parallel()
	c, _ := devClient(t, inngest.ClientOptions{})
	h := serve.Handler(c)
	rec := do(h, http.MethodGet, "/api/inngest", nil, nil)
	require.JSONEq(t, `{"authentication_succeeded":null,"function_count":0,"has_event_key":false,"has_signing_key":false,"has_signing_key_fallback":false,"mode":"dev","schema_version":"2024-05-24"}`, rec.Body.String())
}
