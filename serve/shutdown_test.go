package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type drainEvent struct {
	N int `json:"n"`
}

var drainEvents = events.Define[drainEvent]("drain/call.made")

// drainCall is the body of a first call to drain-slow.
const drainCall = `{"ctx":{"run_id":"01JDRAIN","attempt":0,"stack":{"stack":[]}},"steps":{},` +
	`"event":{"name":"drain/call.made","data":{"n":1}},"events":[{"name":"drain/call.made","data":{"n":1}}],"version":2}`

// blockingServer serves drain-slow, whose step signals started and then blocks
// until release is closed.
func blockingServer(t *testing.T) (srv *httptest.Server, h *serve.Server, started <-chan struct{}, release chan struct{}) {
	t.Helper()
	c, _ := devClient(t, inngest.ClientOptions{AppID: "drain"})
	st := make(chan struct{}, 16)
	release = make(chan struct{})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent(drainEvents),
		func(ctx context.Context, in inngest.Input[drainEvent]) (int, error) {
			return step.Run(ctx, "wait", func(context.Context) (int, error) {
				st <- struct{}{}
				<-release
				return in.Event.Data.N, nil
			})
		})
	require.NoError(t, err)
	h, err = serve.New(c, serve.Options{}, fn)
	require.NoError(t, err)
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, st, release
}

type callResult struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func postCall(url string) callResult { return postFn(url, "drain-slow") }

func postFn(url, fnID string) callResult {
	resp, err := http.Post(url+"/api/inngest?fnId="+fnID+"&stepId=step", "application/json", bytes.NewReader([]byte(drainCall)))
	if err != nil {
		return callResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return callResult{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// waitResult fails the test when nothing arrives in a long while (a hang).
func waitResult[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

func TestShutdownDrainsInFlightCalls(t *testing.T) {
	t.Parallel()
	srv, h, started, release := blockingServer(t)
	inflight := make(chan callResult, 1)
	go func() { inflight <- postCall(srv.URL) }()
	waitResult(t, started)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- h.Shutdown(ctx) }()

	// New calls are refused as retriable once Shutdown has begun.
	var refused callResult
	deadline := time.Now().Add(10 * time.Second)
	for {
		require.True(t, time.Now().Before(deadline), "Shutdown never began refusing calls")
		// A call to a missing function answers 404 at once until Shutdown begins.
		refused = postFn(srv.URL, "drain-missing")
		require.NoError(t, refused.err)
		if refused.status == http.StatusServiceUnavailable {
			break
		}
		require.Equal(t, http.StatusNotFound, refused.status, "%s", refused.body)
		time.Sleep(time.Millisecond) // poll interval, bounded by deadline
	}
	refused = postCall(srv.URL)
	require.NoError(t, refused.err)
	require.Equal(t, http.StatusServiceUnavailable, refused.status)
	require.Equal(t, "1", refused.header.Get("Retry-After"))
	require.Equal(t, "false", refused.header.Get("X-Inngest-No-Retry"))
	require.Equal(t, "application/json", refused.header.Get("Content-Type"))
	requireSDKHeaders(t, refused.header)
	var body struct{ Name, Message string }
	require.NoError(t, json.Unmarshal(refused.body, &body))
	require.Equal(t, "ShuttingDown", body.Name)

	// Introspection is still served.
	resp, err := http.Get(srv.URL + "/api/inngest")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a call in flight", err)
	default:
	}
	close(release)
	got := waitResult(t, inflight)
	require.NoError(t, got.err)
	require.Equal(t, http.StatusPartialContent, got.status, "%s", got.body)
	require.NoError(t, waitResult(t, shut))
	require.NoError(t, h.Shutdown(context.Background()), "a second Shutdown returns at once")
}

func TestShutdownReturnsWhenContextEnds(t *testing.T) {
	t.Parallel()
	srv, h, started, release := blockingServer(t)
	inflight := make(chan callResult, 1)
	go func() { inflight <- postCall(srv.URL) }()
	waitResult(t, started)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- h.Shutdown(ctx) }()
	require.True(t, errors.Is(waitResult(t, shut), context.DeadlineExceeded))
	close(release)
	got := waitResult(t, inflight)
	require.NoError(t, got.err)
	require.Equal(t, http.StatusPartialContent, got.status)
}

func TestShutdownIdle(t *testing.T) {
	t.Parallel()
	srv, h, _, release := blockingServer(t)
	close(release)
	tests := []struct {
		name string
		ctx  func() context.Context
	}{
		{name: "background", ctx: context.Background},
		{name: "cancelled", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	}
	for _, tc := range tests {
		require.NoError(t, h.Shutdown(tc.ctx()), tc.name)
	}
	got := postCall(srv.URL)
	require.NoError(t, got.err)
	require.Equal(t, http.StatusServiceUnavailable, got.status)
}
