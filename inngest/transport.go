package inngest

import (
	"net/http"
	"sync"
)

// maxIdleConnsPerHost is how many idle connections the default transport
// keeps per host: enough for a serve handler's concurrent checkpoints and
// sends to reuse their connections (the standard library keeps 2, so that
// under concurrency most requests would open a new connection).
const maxIdleConnsPerHost = 100

// defaultTransport is the transport of clients created without an
// HTTPClient: one per process, shared like http.DefaultTransport, so that
// clients created and dropped (tests) do not each hold idle connections.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(tr.MaxIdleConns, maxIdleConnsPerHost)
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return tr
})
