package inngest_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
)

// TestDefaultHTTPClientReusesConnections sends from 16 goroutines at once
// through a client with the default HTTPClient: the connections are kept
// and reused, not opened and closed per request (the standard library's
// default transport keeps only 2 idle connections per host).
func TestDefaultHTTPClientReusesConnections(t *testing.T) {
	t.Parallel()
	srv, n, _ := sendServerUnstarted(t)
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev, EventAPIBaseURL: srv.URL})
	require.NoError(t, err)

	const senders, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for range senders {
		wg.Go(func() {
			for range each {
				if _, err := c.Send(context.Background(), sendOrderPlaced.New(sendOrder{ID: "o", Total: 1})); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, senders*each, n.Load())
	// At most one connection per sender, plus a few dialed while another
	// was being returned to the pool.
	require.LessOrEqual(t, conns.Load(), int32(2*senders), "TCP connections opened for %d requests", senders*each)
}
