package engine_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// With a signing key, every API route but the event API and /health requires
// the key as a Bearer token, plain or hashed, as the server's signing-key
// middleware does (its "Bearer" is case-insensitive).
func TestSigningKeyGuardsTheAPI(t *testing.T) {
	t.Parallel()
	const key = "signkey-test-12345678"
	h := newHarness(t, engine.Options{SigningKey: key}, func(c call) reply { return ok(`null`) })
	routes := []struct{ method, path string }{
		{http.MethodGet, "/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX"},
		{http.MethodGet, "/v1/events/01JXXXXXXXXXXXXXXXXXXXXXXX/runs"},
		{http.MethodGet, "/v0/runs/01JXXXXXXXXXXXXXXXXXXXXXXX/batch"},
		{http.MethodGet, "/v0/runs/01JXXXXXXXXXXXXXXXXXXXXXXX/actions"},
		{http.MethodGet, "/dev"},
		{http.MethodPost, "/fn/register"},
		{http.MethodPost, "/v1/checkpoint/01JXXXXXXXXXXXXXXXXXXXXXXX/async"},
	}
	auths := []struct {
		name   string
		header string
		ok     bool
	}{
		{"none", "", false},
		{"wrong key", "Bearer signkey-test-87654321", false},
		{"not bearer", "Basic " + key, false},
		{"empty bearer", "Bearer ", false},
		{"plain key", "Bearer " + key, true},
		{"hashed key", "Bearer " + wire.HashSigningKey(key), true},
		{"lowercase bearer", "bearer " + wire.HashSigningKey(key), true},
	}
	for _, rt := range routes {
		for _, a := range auths {
			t.Run(rt.path+"/"+a.name, func(t *testing.T) {
				req, err := http.NewRequest(rt.method, h.api.URL+rt.path, strings.NewReader(`{}`))
				require.NoError(t, err)
				if a.header != "" {
					req.Header.Set("Authorization", a.header)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				if a.ok {
					require.NotEqual(t, http.StatusUnauthorized, resp.StatusCode)
				} else {
					require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				}
			})
		}
	}
	// The event API is guarded by the event key, not the signing key; /health is open.
	st, _ := h.post("/e/any", []byte(`{"name":"a/b"}`), nil)
	require.Equal(t, http.StatusOK, st)
	st, _ = h.get("/health")
	require.Equal(t, http.StatusOK, st)
}

// Without a signing key the run API is open, as on `inngest dev`.
func TestRunAPIOpenWithoutSigningKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	st, _ := h.get("/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX")
	require.Equal(t, http.StatusNotFound, st)
	st, _ = h.get("/dev")
	require.Equal(t, http.StatusOK, st)
}

// A wrong event key gets the server's 401 body (recorded on inngest start
// with --event-key).
func TestWrongEventKeyBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{EventKey: "evkey"}, func(c call) reply { return ok(`null`) })
	resp, err := http.Post(h.api.URL+"/e/other", "application/json", strings.NewReader(`{"name":"a/b"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.JSONEq(t, `{"status":401,"message":"","error":"Event key not found"}`, string(b))
}
