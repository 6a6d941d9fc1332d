package inngest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
)

// countingRoundTripper is a wrapper of the kind tracing and test libraries put in
// http.DefaultTransport: not an *http.Transport.
type countingRoundTripper struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *countingRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestTransportFor: a *http.Transport is cloned once (while it stays the default)
// with wider idle limits and left untouched; a wrapper is used as is; nil gets a
// fresh transport.
func TestTransportFor(t *testing.T) {
	t.Parallel()
	base := &http.Transport{MaxIdleConns: 7, MaxIdleConnsPerHost: 2}
	got := transportFor(base)
	tr, ok := got.(*http.Transport)
	require.True(t, ok)
	require.NotSame(t, base, tr)
	require.Equal(t, maxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
	require.Equal(t, maxIdleConnsPerHost, tr.MaxIdleConns)
	require.Equal(t, 2, base.MaxIdleConnsPerHost, "the program's transport is not changed")
	require.Same(t, tr, transportFor(base), "shared by every client")

	wrapper := &countingRoundTripper{next: base}
	require.Same(t, wrapper, transportFor(wrapper))

	fresh, ok := transportFor(nil).(*http.Transport)
	require.True(t, ok)
	require.Equal(t, maxIdleConnsPerHost, fresh.MaxIdleConnsPerHost)
	require.NotNil(t, fresh.Proxy)
}

// TestNewClientWithWrappedDefaultTransport replaces http.DefaultTransport with a
// wrapper, as otelhttp or an HTTP recorder does, then creates a client without an
// HTTPClient and sends: NewClient does not panic (it asserted *http.Transport) and
// the send goes through the wrapper. Not parallel: it changes a global, restored
// at the end.
func TestNewClientWithWrappedDefaultTransport(t *testing.T) {
	orig := http.DefaultTransport
	wrapper := &countingRoundTripper{next: orig}
	http.DefaultTransport = wrapper
	t.Cleanup(func() { http.DefaultTransport = orig })

	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		_, _ = w.Write([]byte(`{"ids":["01J0000000000000000000000A"],"status":200}`))
	}))
	t.Cleanup(srv.Close)
	var c *Client
	require.NotPanics(t, func() {
		var err error
		c, err = NewClient(ClientOptions{AppID: "shop", Mode: ModeDev, EventAPIBaseURL: srv.URL, SendRetries: -1})
		require.NoError(t, err)
	})
	_, err := c.Send(context.Background(), events.Event[map[string]string]{Name: "shop/x", Data: map[string]string{"a": "b"}})
	require.NoError(t, err)
	require.EqualValues(t, 1, got.Load())
	require.EqualValues(t, 1, wrapper.n.Load(), "the send went through the program's wrapper")
}
