package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// fakeTransport answers Connect calls from a script.
type fakeTransport struct {
	mu    sync.Mutex
	calls []engine.ConnectCall
	reply func(n int, c engine.ConnectCall) (engine.ConnectReply, error)
}

func (f *fakeTransport) Call(_ context.Context, c engine.ConnectCall) (engine.ConnectReply, error) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	n := len(f.calls)
	f.mu.Unlock()
	return f.reply(n, c)
}

func connectRegisterBody(t *testing.T) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"v": "1", "url": "ws://connect?app_name=capp", "deployType": "connect",
		"sdk": "go:v0.1.0", "appName": "capp", "functions": []any{map[string]any{
			"id": "capp-fn", "name": "fn", "triggers": []any{map[string]any{"event": "test/connect"}},
			"steps": map[string]any{"step": map[string]any{"id": "step", "name": "fn",
				"runtime": map[string]any{"url": "ws://connect?fnId=capp-fn&step=step"}}},
		}}})
	require.NoError(t, err)
	return body
}

// TestConnectTransportCarriesCalls: a function whose step URL is ws:// is
// called through the ConnectTransport (never over HTTP), with the call's
// IDs and body, and its replies drive the run as HTTP responses would: a
// 206 runs the step, a transport error is retried, a 200 completes.
func TestConnectTransportCarriesCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply {
		t.Errorf("HTTP call to a Connect app: %v", c)
		return reply{Status: 500}
	})
	stepHash := wire.HashID("a", 0)
	tr := &fakeTransport{reply: func(n int, c engine.ConnectCall) (engine.ConnectReply, error) {
		switch n {
		case 1:
			return engine.ConnectReply{Status: 206, Body: []byte(`[{"op":"StepRun","id":"` + stepHash + `","name":"a","data":1}]`), RequestVersion: 2, SDKVersion: "go:v0.1.0"}, nil
		case 2:
			return engine.ConnectReply{}, errors.New("the worker stopped responding to the request")
		default:
			return engine.ConnectReply{Status: 200, Body: []byte(`"done"`), RequestVersion: 2, SDKVersion: "go:v0.1.0"}, nil
		}
	}}
	h.eng.SetConnectTransport(tr)
	res, err := h.eng.SyncConfig(context.Background(), connectRegisterBody(t))
	require.NoError(t, err)
	require.True(t, res.Modified)
	require.NotEmpty(t, res.AppID)

	runs := h.waitRuns(h.send("test/connect", map[string]any{"k": 1}), 1)
	run, err := h.eng.WaitForRun(context.Background(), runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `"done"`, string(run.Output))

	tr.mu.Lock()
	defer tr.mu.Unlock()
	require.Len(t, tr.calls, 3)
	first := tr.calls[0]
	require.Equal(t, "capp", first.AppName)
	require.Equal(t, res.AppID, first.AppID)
	require.Equal(t, "capp-fn", first.FunctionSlug)
	require.Equal(t, "step", first.StepID)
	require.Equal(t, run.ID, first.RunID)
	require.NotEmpty(t, first.RequestID)
	var req map[string]any
	require.NoError(t, json.Unmarshal(first.Body, &req))
	require.Equal(t, run.ID, req["ctx"].(map[string]any)["run_id"])
	// the retried call after the transport error targets the same step
	require.Equal(t, tr.calls[1].StepID, tr.calls[2].StepID)
	require.NotEqual(t, tr.calls[1].RequestID, tr.calls[2].RequestID)
}

// TestConnectWithoutTransport: a Connect app's call fails with
// ErrNoConnectTransport's message when no gateway is attached, and
// SyncConfig rejects an invalid configuration as /fn/register does.
func TestConnectWithoutTransport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, engine.Options{}, func(c call) reply { return reply{Status: http.StatusInternalServerError} })
	_, err := h.eng.SyncConfig(context.Background(), connectRegisterBody(t))
	require.NoError(t, err)
	runs := h.waitRuns(h.send("test/connect", nil), 1)
	run, err := h.eng.WaitForRun(context.Background(), runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, runtype.StatusFailed, run.Status)
	require.Contains(t, run.Error.Message, "hosts no Connect gateway")

	_, err = h.eng.SyncConfig(context.Background(), []byte(`{"url":"ws://connect","functions":[]}`))
	require.ErrorIs(t, err, engine.ErrSyncRejected)
	require.ErrorContains(t, err, "App ID required")
}
