package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

func TestEventAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	h.mustRegister(h.fn("ev", nil))
	tests := []struct {
		name   string
		body   string
		status int
		errSub string
		nIDs   int
	}{
		{"single object", `{"name":"test/ev","data":{"a":1}}`, 200, "", 1},
		{"array", `[{"name":"test/ev"},{"name":"other/x","data":null}]`, 200, "", 2},
		{"malformed", `{"name":`, 400, "parse", 0},
		{"reserved name", `{"name":"inngest/function.failed","data":{}}`, 400, "reserved", 0},
		{"no name", `{"data":{}}`, 400, "name", 0},
		{"array data", `{"name":"test/ev","data":[1]}`, 400, "object", 0},
		{"string data", `{"name":"test/ev","data":"x"}`, 400, "object", 0},
		{"bad ts", `{"name":"test/ev","ts":5}`, 400, "ts", 0},
		{"empty array", `[]`, 200, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(h.api.URL+"/e/anykey", "application/json", strings.NewReader(tc.body))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tc.status, resp.StatusCode)
			require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
			require.Equal(t, "dev", resp.Header.Get("X-Inngest-Server-Kind"))
			var out map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
			require.EqualValues(t, tc.status, out["status"])
			if tc.errSub != "" {
				require.Contains(t, out["error"], tc.errSub)
				return
			}
			require.Len(t, out["ids"], tc.nIDs)
		})
	}
}

func TestEventDefaultsAndDedupe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	h.mustRegister(h.fn("dedupe", nil))
	body := []byte(`{"id":"my-key","name":"test/dedupe","data":{"_inngest":{"x":1},"k":"<&>"}}`)
	st, out := h.post("/e/test", body, nil)
	require.Equal(t, 200, st)
	require.Equal(t, []any{"my-key"}, out["ids"])
	runs := h.waitRuns("my-key", 1)
	st, out = h.post("/e/test", body, nil)
	require.Equal(t, 200, st)
	require.Equal(t, []any{"my-key"}, out["ids"])
	waitUntil(t, h.eng.Idle)
	require.Len(t, must(h.eng.RunsForEvent("my-key")), 1, "a repeated event id triggers nothing")
	calls := h.app.Calls()
	require.Len(t, calls, 1)
	ev := calls[0].Req["event"].(map[string]any)
	require.Equal(t, map[string]any{}, ev["user"])
	require.EqualValues(t, t0.UnixMilli(), ev["ts"])
	require.Equal(t, map[string]any{"k": "<&>"}, ev["data"], "_inngest is stripped")
	require.Contains(t, string(calls[0].Body), `"k":"<&>"`, "no HTML escaping in call bodies")
	require.Equal(t, runtype.StatusCompleted, runs[0].Status)
}

func TestEventIDSeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	seed := wire.NewEventIDSeed(t0)
	want, err := wire.EventIDsFromSeed(seed, 2)
	require.NoError(t, err)
	st, out := h.post("/e/test", []byte(`[{"name":"a/b"},{"name":"a/c"}]`), map[string]string{"X-Inngest-Event-Id-Seed": seed})
	require.Equal(t, 200, st)
	require.Equal(t, []any{want[0], want[1]}, out["ids"])
}

func TestEventKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{EventKey: "secret"}, func(c call) reply { return ok(`null`) })
	st, _ := h.post("/e/wrong", []byte(`{"name":"a/b"}`), nil)
	require.Equal(t, 401, st)
	st, _ = h.post("/e/secret", []byte(`{"name":"a/b"}`), nil)
	require.Equal(t, 200, st)
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	tests := []struct {
		name   string
		fn     map[string]any
		errSub string
	}{
		{"bad expression", h.fn("x", map[string]any{"triggers": []any{map[string]any{"event": "a/b", "expression": "event.data.a ==="}}}), "At least one function is invalid"},
		{"unknown variable", h.fn("x", map[string]any{"triggers": []any{map[string]any{"event": "a/b", "expression": "foo.bar == 1"}}}), "invalid"},
		{"bad cron", h.fn("x", map[string]any{"triggers": []any{map[string]any{"cron": "61 * * * *"}}}), "invalid"},
		{"cron descriptor", h.fn("x", map[string]any{"triggers": []any{map[string]any{"cron": "@daily"}}}), "invalid"},
		{"event and cron", h.fn("x", map[string]any{"triggers": []any{map[string]any{"event": "a/b", "cron": "* * * * *"}}}), "invalid"},
		{"no name", h.fn("x", map[string]any{"name": ""}), "invalid"},
		{"no steps", h.fn("x", map[string]any{"steps": map[string]any{}}), "invalid"},
		{"bad scheme", h.fn("x", map[string]any{"steps": map[string]any{"step": map[string]any{"id": "step", "name": "x", "runtime": map[string]any{"url": "ftp://x"}}}}), "invalid"},
		{"batch too small", h.fn("x", map[string]any{"batchEvents": map[string]any{"maxSize": 1, "timeout": "5s"}}), "invalid"},
		{"batch with d unit", h.fn("x", map[string]any{"batchEvents": map[string]any{"maxSize": 5, "timeout": "1d"}}), "invalid"},
		{"batch with cancel", h.fn("x", map[string]any{"batchEvents": map[string]any{"maxSize": 5, "timeout": "5s"}, "cancel": []any{map[string]any{"event": "a/c"}}}), "invalid"},
		{"rate limit period", h.fn("x", map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "48h"}}), "invalid"},
		{"debounce period", h.fn("x", map[string]any{"debounce": map[string]any{"period": "10ms"}}), "invalid"},
		{"account scope without key", h.fn("x", map[string]any{"concurrency": []any{map[string]any{"limit": 1, "scope": "account"}}}), "invalid"},
		{"unknown scope", h.fn("x", map[string]any{"concurrency": []any{map[string]any{"limit": 1, "scope": "app", "key": "'a'"}}}), "Invalid request"},
		{"singleton mode", h.fn("x", map[string]any{"Singleton": map[string]any{"mode": "queue"}}), "Invalid request"},
		{"throttle period", h.fn("x", map[string]any{"throttle": map[string]any{"limit": 1, "period": "soon"}}), "Invalid request"},
		{"cancel macro", h.fn("x", map[string]any{"cancel": []any{map[string]any{"event": "a/c", "if": "[1].all(x, x > 0)"}}}), "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, out := h.register(tc.fn)
			require.Equal(t, 400, st, "%v", out)
			require.Contains(t, out["error"], tc.errSub)
		})
	}
	t.Run("empty app name", func(t *testing.T) {
		st, out := h.post("/fn/register", []byte(`{"url":"http://x","functions":[]}`), nil)
		require.Equal(t, 400, st)
		require.Equal(t, "App ID required", out["error"])
	})
	t.Run("server kind", func(t *testing.T) {
		st, out := h.post("/fn/register", []byte(`{"appName":"a","url":"http://x","functions":[]}`), map[string]string{"X-Inngest-Expected-Server-Kind": "cloud"})
		require.Equal(t, 400, st)
		require.Equal(t, "Expected server kind dev, got cloud", out["error"])
	})
	t.Run("bad json", func(t *testing.T) {
		st, out := h.post("/fn/register", []byte(`{`), nil)
		require.Equal(t, 400, st)
		require.Contains(t, out["error"], "Invalid request")
	})
}

func TestRegisterAcceptsInngestgoBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return ok(`null`) })
	lines := loadCapture(t, "sync")
	var body []byte
	for _, l := range lines {
		if l.URL == "/fn/register" {
			body = l.ReqBody
			break
		}
	}
	resp, err := http.Post(h.api.URL+"/fn/register", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(b))
	require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	var out struct {
		OK       bool   `json:"ok"`
		Modified bool   `json:"modified"`
		SyncID   string `json:"sync_id"`
		AppID    string `json:"app_id"`
	}
	require.NoError(t, json.Unmarshal(b, &out))
	require.True(t, out.OK)
	require.True(t, out.Modified)
	require.Equal(t, "cb6c6b8f-468e-5b38-81d7-451a7002c6e0", out.AppID, "app id is UUID v5 of the app name, as captured")
	require.Regexp(t, `^\{"ok":true,"modified":true,"sync_id":"[^"]+","app_id":"[^"]+"\}$`, string(b))
	st, again := h.post("/fn/register", body, nil)
	require.Equal(t, 200, st)
	require.Equal(t, false, again["modified"], "same config again is not modified")
}

func TestSyncSendsPUT(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var gotBody []byte
	app := newFakeApp(t, func(c call) reply { return ok("") })
	app.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.WriteHeader(200)
	})
	eng, err := engine.New(engine.Options{Store: memstore.NewChecked()})
	require.NoError(t, err)
	defer eng.Close()
	require.NoError(t, eng.Sync(t.Context(), app.srv.URL+"/api/inngest"))
	require.Equal(t, http.MethodPut, got.Method)
	require.Equal(t, "dev", got.Header.Get("X-Inngest-Server-Kind"))
	require.JSONEq(t, `{"url":"`+app.srv.URL+`/api/inngest"}`, string(gotBody))
	require.Empty(t, got.Header.Get("X-Inngest-Signature"), "no key, no signature")

	// With a signing key the PUT is signed over its body, as the server signs its own.
	const key = "signkey-test-12345678"
	signed, err := engine.New(engine.Options{SigningKey: key})
	require.NoError(t, err)
	defer signed.Close()
	require.NoError(t, signed.Sync(t.Context(), app.srv.URL+"/api/inngest"))
	_, err = wire.VerifySignature(got.Header.Get("X-Inngest-Signature"), gotBody, time.Now(), key, "")
	require.NoError(t, err)
}

// failingStore is a Store whose SaveEvent fails while failEvents is set.
type failingStore struct {
	enginestore.Store
	failEvents atomic.Bool
}

func (s *failingStore) SaveEvent(ctx context.Context, ev enginestore.EventRecord) (bool, error) {
	if s.failEvents.Load() {
		return false, errors.New("disk full")
	}
	return s.Store.SaveEvent(ctx, ev)
}

func TestEventStoreFailureIs500(t *testing.T) {
	t.Parallel()
	st := &failingStore{Store: memstore.NewChecked()}
	h := newHarness(t, engine.Options{Store: st}, func(c call) reply { return ok(`null`) })
	h.mustRegister(h.fn("ev", nil))
	body := []byte(`[{"name":"test/ev"},{"name":"test/ev"}]`)
	seed := map[string]string{wire.HeaderEventIDSeed: wire.NewEventIDSeed(t0)}

	st.failEvents.Store(true)
	status, out := h.post("/e/test", body, seed)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, map[string]any{"error": "could not store event: disk full", "message": "", "status": float64(500)}, out)
	require.Empty(t, must(h.eng.Runs()), "nothing was accepted")
	_, err := h.eng.SendJSON(t.Context(), body)
	require.ErrorContains(t, err, "disk full")

	// The SDK retries a 5xx with the same seed: the same IDs, accepted once.
	st.failEvents.Store(false)
	var ids []any
	for range 2 {
		status, out = h.post("/e/test", body, seed)
		require.Equal(t, http.StatusOK, status, "%v", out)
		if ids == nil {
			ids = out["ids"].([]any)
		}
		require.Equal(t, ids, out["ids"])
	}
	require.Len(t, ids, 2)
	for _, id := range ids {
		require.Equal(t, runtype.StatusCompleted, h.waitRuns(id.(string), 1)[0].Status)
	}
	require.Len(t, must(h.eng.Runs()), 2)
}
