package inngesttest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/step"
)

// sigFetchRecording is testdata/realserver/signal-fetch.json, written by
// internal/realserver/sigfetch against the real dev server.
type sigFetchRecording struct {
	SignalOK, SignalNone struct {
		Status int
		Body   json.RawMessage
	}
	Memos  map[string]json.RawMessage
	Output json.RawMessage
}

// TestSignalFetchAsRecorded replays the recorded WaitForSignal and Fetch
// round trip on the engine: the /v1/signals answers and every memo have the
// real server's shape (values that vary, such as Date headers, run IDs and
// the transport error's cause, are compared by kind).
func TestSignalFetchAsRecorded(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/realserver/signal-fetch.json")
	require.NoError(t, err)
	var rec sigFetchRecording
	require.NoError(t, json.Unmarshal(raw, &rec))

	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"rate":0.92}`))
			return
		}
		http.Error(w, "nope", http.StatusNotFound)
	}))
	t.Cleanup(prov.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	type started struct {
		Key string `json:"key"`
	}
	begin := events.Define[started]("rec/sigfetch.started")
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "sigfetch", Retries: inngest.NoRetries}, inngest.OnEvent(begin),
		func(ctx context.Context, in inngest.Input[started]) (string, error) {
			_, _ = step.Fetch(ctx, "fetch-ok", step.FetchRequest{URL: prov.URL + "/ok"})
			_, _ = step.Fetch(ctx, "fetch-404", step.FetchRequest{URL: prov.URL + "/missing"})
			_, _ = step.Fetch(ctx, "fetch-down", step.FetchRequest{URL: down.URL + "/down"})
			sig, ok, err := step.WaitForSignal[map[string]any](ctx, "wait-signal", "rec-signal-"+in.Event.Data.Key, time.Minute)
			if err != nil {
				return "", err
			}
			_, ok2, err := step.WaitForSignal[map[string]any](ctx, "wait-timeout", "rec-never-"+in.Event.Data.Key, 3*time.Second)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%v %v %v", ok, sig.Data["approved"], ok2), nil
		}))

	post := func(body string) (int, json.RawMessage) {
		resp, err := http.Post(env.URL()+"/v1/signals", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var b json.RawMessage
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
		return resp.StatusCode, b
	}
	status, body := post(`{"signal":"rec-signal-k1","data":{"approved":true}}`)
	require.Equal(t, rec.SignalNone.Status, status)
	require.JSONEq(t, string(rec.SignalNone.Body), string(body))

	ids := env.Send(t, begin.New(started{Key: "k1"}))
	waitingForSignal(t, env, "rec-signal-k1", 1)
	status, body = post(`{"signal":"rec-signal-k1","data":{"approved":true}}`)
	require.Equal(t, rec.SignalOK.Status, status)
	require.Equal(t, keysOf(t, rec.SignalOK.Body), keysOf(t, body))
	waitingForSignal(t, env, "rec-never-k1", 1)
	advance(env, 3*time.Second)
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, string(rec.Output))

	memo := func(name string) json.RawMessage {
		s, ok := run.Step(name)
		require.True(t, ok, name)
		return s.Result
	}
	// Fetches: the same keys, status and body; the same header names.
	for _, name := range []string{"fetch-ok", "fetch-404"} {
		var want, got struct {
			Data struct {
				Body       string            `json:"body"`
				Headers    map[string]string `json:"headers"`
				StatusCode int               `json:"status_code"`
				URL        string            `json:"url"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(rec.Memos[name], &want))
		require.NoError(t, json.Unmarshal(memo(name), &got))
		require.Equal(t, keysOf(t, rec.Memos[name]), keysOf(t, memo(name)), name)
		require.Equal(t, want.Data.StatusCode, got.Data.StatusCode, name)
		require.Equal(t, want.Data.Body, got.Data.Body, name)
		require.Equal(t, strings.TrimPrefix(want.Data.URL, "http://127.0.0.1:12301"), strings.TrimPrefix(got.Data.URL, prov.URL), name)
		require.Equal(t, sortedKeys(want.Data.Headers), sortedKeys(got.Data.Headers), name)
	}
	// A request that cannot be made: the same error name and message prefix.
	var wantErr, gotErr struct {
		Error wire.MemoError `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Memos["fetch-down"], &wantErr))
	require.NoError(t, json.Unmarshal(memo("fetch-down"), &gotErr))
	require.Equal(t, wantErr.Error.Name, gotErr.Error.Name)
	const prefix = "Error making gateway request: "
	require.True(t, strings.HasPrefix(wantErr.Error.Message, prefix) && strings.HasPrefix(gotErr.Error.Message, prefix), gotErr.Error.Message)
	// Signals: the received memo (the recorded key differs) and the timeout.
	require.JSONEq(t, strings.ReplaceAll(string(rec.Memos["wait-signal"]), recordedKey(t, rec), "k1"), string(memo("wait-signal")))
	require.JSONEq(t, string(rec.Memos["wait-timeout"]), string(memo("wait-timeout")))
}

func keysOf(t *testing.T, raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m))
	out := []string{}
	for k, v := range m {
		out = append(out, k)
		if len(v) > 0 && v[0] == '{' {
			for _, sub := range keysOf(t, v) {
				out = append(out, k+"."+sub)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// recordedKey is the event key of the recording (in its signal name).
func recordedKey(t *testing.T, rec sigFetchRecording) string {
	var m struct {
		Data struct {
			Signal string `json:"signal"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(rec.Memos["wait-signal"], &m))
	return strings.TrimPrefix(m.Data.Signal, "rec-signal-")
}
