package inngest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/stretchr/testify/require"
)

type sendOrder struct {
	ID    string `json:"id"`
	Total int    `json:"total"`
}

var sendOrderPlaced = events.Define[sendOrder]("shop/send-order.placed")

// sendServer answers the first `fail` requests with status, then 200 with one id
// per event; it counts requests and keeps the last body and seed header.
func sendServer(t *testing.T, fail int, status int) (*httptest.Server, *atomic.Int32, *atomic.Value) {
	t.Helper()
	srv, n, seeds := newSendServer(t, fail, status)
	srv.Start()
	return srv, n, seeds
}

// sendServerUnstarted is a sendServer that always answers 200, not started
// yet (so that the caller can set srv.Config's hooks).
func sendServerUnstarted(t *testing.T) (*httptest.Server, *atomic.Int32, *atomic.Value) {
	t.Helper()
	return newSendServer(t, 0, 0)
}

func newSendServer(t *testing.T, fail int, status int) (*httptest.Server, *atomic.Int32, *atomic.Value) {
	t.Helper()
	var n atomic.Int32
	var seeds atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		seeds.Store(r.Header.Get("X-Inngest-Event-Id-Seed"))
		body, _ := io.ReadAll(r.Body)
		if int(i) <= fail {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"try later","status":` + http.StatusText(status) + `}`))
			return
		}
		var evs []json.RawMessage
		if err := json.Unmarshal(body, &evs); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ids := make([]string, len(evs))
		for k := range evs {
			ids[k] = "id-" + string(rune('a'+k))
		}
		out, _ := json.Marshal(map[string]any{"ids": ids, "status": 200})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &seeds
}

func TestSendRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fail     int
		status   int
		wantErr  bool
		requests int32
	}{
		{"ok at once", 0, 0, false, 1},
		{"5xx twice then ok", 2, http.StatusServiceUnavailable, false, 3},
		{"5xx every time", 100, http.StatusBadGateway, true, 3},
		{"4xx is not retried", 100, http.StatusBadRequest, true, 1},
		{"401 is not retried", 100, http.StatusUnauthorized, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, n, _ := sendServer(t, tc.fail, tc.status)
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, EventAPIBaseURL: srv.URL, SendRetries: 2})
			require.NoError(t, err)
			ids, err := c.Send(context.Background(), sendOrderPlaced.New(sendOrder{ID: "o1", Total: 5}), sendOrderPlaced.New(sendOrder{ID: "o2", Total: 7}))
			require.Equal(t, tc.requests, n.Load())
			if tc.wantErr {
				require.ErrorIs(t, err, inngest.ErrSend)
				require.Nil(t, ids)
				return
			}
			require.NoError(t, err)
			require.Equal(t, []string{"id-a", "id-b"}, ids)
		})
	}
}

// Every retry of one Send carries the same event-id seed, so the server derives the
// same ids and a retried batch is not ingested twice.
func TestSendRetryKeepsSeed(t *testing.T) {
	t.Parallel()
	var seeds []string
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seeds = append(seeds, r.Header.Get("X-Inngest-Event-Id-Seed"))
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"ids":["x"],"status":200}`))
	}))
	t.Cleanup(srv.Close)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, EventAPIBaseURL: srv.URL})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), sendOrderPlaced.New(sendOrder{ID: "o1"}))
	require.NoError(t, err)
	require.Len(t, seeds, 2)
	require.NotEmpty(t, seeds[0])
	require.Equal(t, seeds[0], seeds[1])
}

func TestSendRejectsBadEvents(t *testing.T) {
	t.Parallel()
	srv, n, _ := sendServer(t, 0, 0)
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, EventAPIBaseURL: srv.URL})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), events.Raw{Name: "inngest/function.failed", Data: map[string]any{}})
	require.ErrorIs(t, err, inngest.ErrSend)
	_, err = c.Send(context.Background(), events.Raw{Name: "", Data: map[string]any{}})
	require.Error(t, err)
	require.Zero(t, n.Load(), "nothing invalid reaches the event API")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Send(ctx, sendOrderPlaced.New(sendOrder{ID: "o1"}))
	require.True(t, errors.Is(err, inngest.ErrSend) || errors.Is(err, context.Canceled), "got %v", err)
}
