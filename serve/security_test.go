package serve_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/step"
	"github.com/stretchr/testify/require"
)

// countingFn is a function that counts how often user code ran.
type countingFn struct {
	fn   inngest.ServableFunction
	runs atomic.Int32
}

func newCountingFn(t *testing.T, c *inngest.Client) *countingFn {
	t.Helper()
	cf := &countingFn{}
	cf.fn = mustFn(t, c, inngest.FunctionOpts{ID: "counted"}, inngest.OnEvent(evTest),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			cf.runs.Add(1)
			inngest.Logger(ctx).Info("user code ran")
			return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "ok", nil })
		})
	return cf
}

// secrets returns the strings no response body or log line may contain.
func secrets() []string {
	out := []string{testSigningKey, testFallbackKey, testEventKey,
		wire.NormalizeKey(testSigningKey), wire.NormalizeKey(testFallbackKey),
		wire.HashSigningKey(testSigningKey), wire.HashSigningKey(testFallbackKey), wire.HashEventKey(testEventKey)}
	// The hashes without their prefix, too.
	out = append(out, wire.NormalizeKey(wire.HashSigningKey(testSigningKey)), wire.NormalizeKey(wire.HashSigningKey(testFallbackKey)))
	return out
}

func requireNoSecrets(t *testing.T, where, s string) {
	t.Helper()
	for _, sec := range secrets() {
		require.NotContains(t, s, sec, "%s leaks a key or key hash", where)
	}
}

func TestSignatureMatrix(t *testing.T) {
	t.Parallel()
	h, logs, cf := cloudServer(t, inngest.ClientOptions{EventKey: testEventKey, SigningKeyFallback: testFallbackKey})
	body := call{}.body()
	target := "/api/inngest?fnId=wirecap-counted&stepId=step"
	valid := wire.Sign(testSigningKey, fixedNow, body)
	tampered := append([]byte{}, body...)
	tampered = []byte(strings.Replace(string(tampered), `"attempt":0`, `"attempt":1`, 1))
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
	}{
		{"missing", "", body},
		{"malformed", "garbage", body},
		{"malformed hex", "t=1795734000&s=zz", body},
		{"tampered body", valid, tampered},
		{"wrong key", wire.Sign("signkey-test-99999999", fixedNow, body), body},
		{"stale", wire.Sign(testSigningKey, fixedNow.Add(-5*time.Minute-time.Second), body), body},
		{"replayed from an hour ago", wire.Sign(testSigningKey, fixedNow.Add(-time.Hour), body), body},
		{"signed over another body", wire.Sign(testSigningKey, fixedNow, []byte(`{}`)), body},
		{"key used as hex", wire.Sign("signkey-test-"+wire.HashEventKey("x"), fixedNow, body), body},
	} {
		hdr := map[string]string{}
		if tc.header != "" {
			hdr["X-Inngest-Signature"] = tc.header
		}
		rec := do(h, http.MethodPost, target, tc.body, hdr)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%s: %s", tc.name, rec.Body.String())
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"), tc.name)
		require.Equal(t, sdkHeader, rec.Header().Get("X-Inngest-SDK"), tc.name)
		require.Contains(t, rec.Body.String(), `"message"`, tc.name)
		requireNoSecrets(t, tc.name, rec.Body.String())
		// The same request through the trust probe and the sync PUT.
		rec = do(h, http.MethodPost, "/api/inngest?probe=trust", tc.body, hdr)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "probe %s", tc.name)
		// An unsigned PUT is refused too: this app has no ServeOrigin to sync to
		// (TestUnsignedSyncNeverRegistersARequestURL).
		rec = do(h, http.MethodPut, "/api/inngest", tc.body, hdr)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "PUT %s", tc.name)
	}
	require.Zero(t, cf.runs.Load(), "no user code ran for a rejected request")

	for _, key := range []string{testSigningKey, testFallbackKey} {
		rec := do(h, http.MethodPost, target, body, sign(key, fixedNow, body))
		require.Equal(t, 206, rec.Code, rec.Body.String())
		requireNoSecrets(t, "call response", rec.Body.String())
	}
	// A timestamp up to five minutes in the future is accepted (clock skew); beyond,
	// it is refused (TestSignatureFromTheFuture).
	rec := do(h, http.MethodPost, target, body, sign(testSigningKey, fixedNow.Add(4*time.Minute), body))
	require.Equal(t, 206, rec.Code)
	require.EqualValues(t, 3, cf.runs.Load())

	// Trust probe with a valid signature: 200 {} signed with the matching key.
	rec = do(h, http.MethodPost, "/api/inngest?probe=trust", []byte(`{}`), sign(testFallbackKey, fixedNow, []byte(`{}`)))
	require.Equal(t, 200, rec.Code)
	require.Equal(t, "{}", rec.Body.String())
	require.Equal(t, wire.SignResponse(testFallbackKey, fixedNow, []byte(`{}`)), rec.Header().Get("X-Inngest-Signature"))

	// Unsigned GET: no key material.
	rec = do(h, http.MethodGet, "/api/inngest", nil, nil)
	requireNoSecrets(t, "unsigned GET", rec.Body.String())
	// Unsigned PUT in cloud mode without a ServeOrigin: refused, with no key in the reply.
	rec = do(h, http.MethodPut, "/api/inngest", nil, nil)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	requireNoSecrets(t, "unsigned PUT", rec.Body.String())

	requireNoSecrets(t, "logs", logs.String())
}

// TestNoSecretsAnywhere drives every kind of request, including failing syncs and
// checkpoints, and searches every response body and log line for the keys.
func TestNoSecretsAnywhere(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		// An API that fails and echoes what it got, to tempt the SDK into logging it.
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"nope"}`))
	})
	h, logs, _ := cloudServer(t, inngest.ClientOptions{EventKey: testEventKey, SigningKeyFallback: testFallbackKey, APIBaseURL: api.URL, EventAPIBaseURL: api.URL})
	var bodies []string
	record := func(method, target string, body []byte, hdr map[string]string) {
		rec := do(h, method, target, body, hdr)
		bodies = append(bodies, rec.Body.String())
		for k, v := range rec.Header() {
			if k != "X-Inngest-Signature" {
				requireNoSecrets(t, "header "+k, strings.Join(v, ","))
			}
		}
	}
	body := call{}.body()
	record(http.MethodPost, "/api/inngest?fnId=wirecap-counted&stepId=step", body, sign(testSigningKey, fixedNow, body))
	record(http.MethodPost, "/api/inngest?fnId=wirecap-nope&stepId=step", body, sign(testSigningKey, fixedNow, body))
	record(http.MethodPost, "/api/inngest?fnId=wirecap-counted&stepId=step", []byte("{bad"), sign(testSigningKey, fixedNow, []byte("{bad")))
	record(http.MethodPut, "/api/inngest", nil, nil)
	record(http.MethodPut, "/api/inngest", []byte(`{}`), sign(testSigningKey, fixedNow, []byte(`{}`)))
	record(http.MethodGet, "/api/inngest", nil, nil)
	record(http.MethodDelete, "/api/inngest", nil, nil)
	for i, b := range bodies {
		requireNoSecrets(t, "response "+string(rune('0'+i)), b)
	}
	require.Contains(t, logs.String(), "sync failed", "the failing sync was logged")
	requireNoSecrets(t, "logs", logs.String())
}
