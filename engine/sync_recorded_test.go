package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

// signedRecording is testdata/realserver/wire-signed.json, written by
// internal/realserver/wirecheck -case signed against `inngest start`.
type signedRecording struct {
	SigningKey       string      `json:"signing_key"`
	UnsignedNoOrigin recordedReq `json:"unsigned_no_origin"`
	OriginPut        recordedReq `json:"origin_put"`
	OriginRun        struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
	} `json:"origin_run"`
	Sync  recordedReq   `json:"sync"`
	Calls []recordedReq `json:"calls"`
}

type recordedReq struct {
	Method     string            `json:"method"`
	Header     map[string]string `json:"header"`
	Body       json.RawMessage   `json:"body"`
	Status     int               `json:"status"`
	RespHeader map[string]string `json:"resp_header"`
	RespBody   json.RawMessage   `json:"resp_body"`
}

// callHeadersOnlyReal are headers of the real server's calls that the engine
// does not send: trace context (the engine has no tracing) and
// Connection: close (the real server does not reuse connections to the app).
var callHeadersOnlyReal = map[string]bool{"Traceparent": true, "Tracestate": true, "Connection": true}

var signatureFormat = regexp.MustCompile(`^t=[0-9]+&s=[0-9a-f]{64}$`)

// verifyAt checks sig over body with key at the signature's own timestamp.
func verifyAt(t *testing.T, sig string, body []byte, key string) {
	t.Helper()
	require.Regexp(t, signatureFormat, sig)
	ts, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(sig, "&", 2)[0], "t="), 10, 64)
	require.NoError(t, err)
	_, err = wire.VerifySignature(sig, body, time.Unix(ts, 0), key, "")
	require.NoError(t, err, "the signature is HMAC-SHA256 over the body as the SDK checks it")
}

func headerNames(h map[string]string, drop map[string]bool) []string {
	var out []string
	for k := range h {
		if !drop[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestSignedSyncAsRecorded compares the engine, run with a signing key, with
// what `inngest start` sent an app in cloud mode: the sync PUT has the same
// header set, the same X-Inngest-Server-Kind and the same signature scheme
// (the real one verifies with the SDK's check), the SDK answers both alike,
// and the calls of a one-step run carry the real calls' headers (trace
// context and Connection: close aside) and verify the same way.
func TestSignedSyncAsRecorded(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/realserver/wire-signed.json")
	require.NoError(t, err)
	var rec signedRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	require.NotEmpty(t, rec.Calls)
	verifyAt(t, rec.Sync.Header["X-Inngest-Signature"], compactJSON(t, rec.Sync.Body), rec.SigningKey)

	eng, err := engine.New(engine.Options{Store: memstore.NewChecked(), SigningKey: rec.SigningKey})
	require.NoError(t, err)
	api := httptest.NewServer(eng.Handler())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(func() { require.NoError(t, eng.Close()); api.Close(); tr.CloseIdleConnections() })
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecheck-signed", Mode: inngest.ModeCloud, SigningKey: rec.SigningKey,
		EventKey: "test", APIBaseURL: api.URL, EventAPIBaseURL: api.URL, Checkpoint: inngest.CheckpointOptions{Disabled: true},
		HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	type started struct {
		N int `json:"n"`
	}
	ev := events.Define[started]("wirecheck/signed.started")
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "one-step"}, inngest.OnEvent(ev),
		func(ctx context.Context, in inngest.Input[started]) (string, error) {
			return step.Run(ctx, "greet", func(context.Context) (string, error) { return "hello", nil })
		})
	require.NoError(t, err)
	h, err := serve.New(c, serve.Options{}, fn)
	require.NoError(t, err)
	var mu sync.Mutex
	var got []recordedReq
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, r)
		for k, v := range rw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rw.Code)
		_, _ = w.Write(rw.Body.Bytes())
		hd := map[string]string{}
		for k, v := range r.Header {
			hd[k] = strings.Join(v, ", ")
		}
		rh := map[string]string{}
		for k := range rw.Header() {
			if strings.HasPrefix(k, "X-Inngest-") {
				rh[k] = rw.Header().Get(k)
			}
		}
		mu.Lock()
		got = append(got, recordedReq{Method: r.Method, Header: hd, Body: body, Status: rw.Code, RespHeader: rh})
		mu.Unlock()
	}))
	t.Cleanup(app.Close)
	require.NoError(t, eng.Sync(t.Context(), app.URL+"/api/inngest"))

	mu.Lock()
	require.Len(t, got, 1)
	put := got[0]
	mu.Unlock()
	require.Equal(t, http.MethodPut, put.Method)
	require.Equal(t, headerNames(rec.Sync.Header, nil), headerNames(put.Header, nil), "the signed PUT's header set is the real server's")
	require.Equal(t, rec.Sync.Header["X-Inngest-Server-Kind"], put.Header["X-Inngest-Server-Kind"])
	require.Equal(t, rec.Sync.Header["Content-Type"], put.Header["Content-Type"])
	verifyAt(t, put.Header["X-Inngest-Signature"], put.Body, rec.SigningKey)
	require.Equal(t, rec.Sync.Status, put.Status)
	require.Equal(t, rec.Sync.RespHeader["X-Inngest-Sync-Kind"], put.RespHeader["X-Inngest-Sync-Kind"])

	ids, err := eng.Send(t.Context(), ev.New(started{N: 1}))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		runs := must(eng.RunsForEvent(ids[0]))
		return len(runs) == 1 && runs[0].Status == "Completed"
	}, 10*time.Second, 10*time.Millisecond)
	mu.Lock()
	calls := got[1:]
	mu.Unlock()
	require.Len(t, calls, len(rec.Calls))
	for i, want := range rec.Calls {
		require.Equal(t, headerNames(want.Header, callHeadersOnlyReal), headerNames(calls[i].Header, nil), "call %d's header set", i)
		for _, k := range []string{"Content-Type", "User-Agent", "Account-Id", "X-Inngest-Step-Id", "X-Inngest-Req-Version", "X-Inngest-Generation-Id"} {
			require.Equal(t, want.Header[k], calls[i].Header[k], "call %d's %s", i, k)
		}
		verifyAt(t, calls[i].Header["X-Inngest-Signature"], calls[i].Body, rec.SigningKey)
		require.Equal(t, want.Status, calls[i].Status)
	}
}

func compactJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, b))
	return buf.Bytes()
}

// TestUnsignedSyncAsRecorded replays the recorded unsigned PUTs (Host,
// X-Forwarded-Host and X-Forwarded-Proto naming another host) on a signed
// engine: an app in cloud mode without ServeOrigin answers 401 with the
// recorded message; with ServeOrigin it answers as it did to `inngest start`,
// registers its origin, and the server's calls reach it there: the run
// completes with the recorded output.
func TestUnsignedSyncAsRecorded(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/realserver/wire-signed.json")
	require.NoError(t, err)
	var rec signedRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	for _, tc := range []struct {
		name   string
		origin bool
		want   recordedReq
	}{
		{"no origin", false, rec.UnsignedNoOrigin},
		{"origin", true, rec.OriginPut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng, err := engine.New(engine.Options{Store: memstore.NewChecked(), SigningKey: rec.SigningKey})
			require.NoError(t, err)
			api := httptest.NewServer(eng.Handler())
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(func() { require.NoError(t, eng.Close()); api.Close(); tr.CloseIdleConnections() })
			var h http.Handler
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			t.Cleanup(app.Close)
			origin := ""
			if tc.origin {
				origin = app.URL
			}
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "wirecheck-origin", Mode: inngest.ModeCloud, SigningKey: rec.SigningKey,
				EventKey: "test", APIBaseURL: api.URL, EventAPIBaseURL: api.URL, ServeOrigin: origin, Checkpoint: inngest.CheckpointOptions{Disabled: true},
				HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			type started struct {
				N int `json:"n"`
			}
			ev := events.Define[started]("wirecheck/signed.started")
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "one-step"}, inngest.OnEvent(ev),
				func(ctx context.Context, in inngest.Input[started]) (string, error) {
					return step.Run(ctx, "greet", func(context.Context) (string, error) { return "hello", nil })
				})
			require.NoError(t, err)
			srv, err := serve.New(c, serve.Options{}, fn)
			require.NoError(t, err)
			h = srv
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, app.URL+"/api/inngest", strings.NewReader(`{"url":"https://evil.example/api/inngest"}`))
			require.NoError(t, err)
			req.Host = "evil.example"
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-Host", "evil.example")
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, tc.want.Status, resp.StatusCode)
			require.JSONEq(t, string(tc.want.RespBody), string(body))
			if !tc.origin {
				return
			}
			ids, err := eng.Send(t.Context(), ev.New(started{N: 2}))
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				runs := must(eng.RunsForEvent(ids[0]))
				return len(runs) == 1 && string(runs[0].Status) == rec.OriginRun.Status
			}, 10*time.Second, 10*time.Millisecond)
			require.JSONEq(t, string(rec.OriginRun.Output), string(must(eng.RunsForEvent(ids[0]))[0].Output))
		})
	}
}
