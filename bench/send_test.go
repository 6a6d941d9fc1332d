package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/stretchr/testify/require"
)

// eventAPI is a loopback event API that accepts any batch of n events.
func eventAPI(tb testing.TB, n int) *httptest.Server {
	tb.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = `"01JBENCHID` + strconv.Itoa(100000+i) + `"`
	}
	reply := []byte(`{"ids":[` + strings.Join(ids, ",") + `],"status":200}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func sendClient(tb testing.TB, srv *httptest.Server) *inngest.Client {
	tb.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "bench", Mode: inngest.ModeDev, EventAPIBaseURL: srv.URL, HTTPClient: srv.Client()})
	require.NoError(tb, err)
	return c
}

func orderEvents(n int) []events.Sendable {
	evs := make([]events.Sendable, n)
	for i := range evs {
		evs[i] = orderCreated.New(order{OrderID: "o-" + strconv.Itoa(i), Amount: i})
	}
	return evs
}

func TestSendAnswers(t *testing.T) {
	t.Parallel()
	srv := eventAPI(t, 3)
	ids, err := sendClient(t, srv).Send(context.Background(), orderEvents(3)...)
	require.NoError(t, err)
	require.Len(t, ids, 3)
}

// BenchmarkSend sends N typed events (validated against their schema) in one
// request to a loopback event API; the server's own CPU is in cpu-ns/op.
func BenchmarkSend(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run("events="+strconv.Itoa(n), func(b *testing.B) {
			srv := eventAPI(b, n)
			c := sendClient(b, srv)
			evs := orderEvents(n)
			ctx := context.Background()
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if _, err := c.Send(ctx, evs...); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}
