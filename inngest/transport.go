package inngest

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// maxIdleConnsPerHost is how many idle connections the default transport
// keeps per host: enough for a serve handler's concurrent checkpoints and
// sends to reuse their connections (the standard library keeps 2, so that
// under concurrency most requests would open a new connection).
const maxIdleConnsPerHost = 100

// shared is the transport of clients created without an HTTPClient while
// http.DefaultTransport is base: one clone of base per process, shared like
// http.DefaultTransport itself, so that clients created and dropped (tests) do
// not each hold idle connections.
var shared struct {
	mu    sync.Mutex
	base  *http.Transport
	clone *http.Transport
}

// transportFor is the transport of a client created without an HTTPClient,
// given the process's http.DefaultTransport:
//   - a *http.Transport (the standard one, or one put there by the program):
//     a clone of it keeping maxIdleConnsPerHost idle connections per host,
//     made once and shared while http.DefaultTransport stays the same;
//   - any other RoundTripper (a tracing or recording wrapper put there by the
//     program or a test library): used as is, so that the client's requests go
//     through it like every other request of the program, with the wrapper's
//     own connection pooling;
//   - nil: a fresh transport with the standard library's settings.
func transportFor(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return widen(standardTransport())
	}
	tr, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.base != tr {
		shared.base, shared.clone = tr, widen(tr.Clone())
	}
	return shared.clone
}

// widen raises tr's idle connection limits to maxIdleConnsPerHost.
func widen(tr *http.Transport) *http.Transport {
	tr.MaxIdleConns = max(tr.MaxIdleConns, maxIdleConnsPerHost)
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return tr
}

// standardTransport has the settings of the standard library's
// http.DefaultTransport, for a program that set it to nil.
func standardTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
