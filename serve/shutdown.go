package serve

import (
	"context"
	"net/http"
	"sync"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// drain tracks the calls (POST requests) in flight for Shutdown. Its zero value
// accepts calls.
type drain struct {
	mu       sync.Mutex
	closing  bool
	inflight int
	idle     chan struct{} // closed when closing and no call is in flight
}

// admit lets a request in. A call (POST) is counted until done is called;
// once Shutdown has begun, a call is answered 503 with Retry-After and
// X-Inngest-No-Retry: false, so that the server retries it later (on this
// instance once it is back, or another one), and admit returns ok false.
// Introspection (GET) and sync (PUT) are always let in and not counted.
func (d *drain) admit(w http.ResponseWriter, r *http.Request) (done func(), ok bool) {
	if r.Method != http.MethodPost {
		return func() {}, true
	}
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		w.Header().Set(wire.HeaderRetryAfter, "1")
		writeError(w, http.StatusServiceUnavailable, "ShuttingDown", "inngest: the app is shutting down; retry later", false)
		return nil, false
	}
	d.inflight++
	d.mu.Unlock()
	return d.leave, true
}

func (d *drain) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inflight--
	if d.closing && d.inflight == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// Shutdown stops the handler from accepting calls and waits for the calls in
// flight to finish, or for ctx to end (it then returns ctx's error; the calls
// keep running). New calls are answered 503 with Retry-After: 1 and
// X-Inngest-No-Retry: false, so the Inngest server retries them and no step is
// lost. Introspection and sync requests are still served. Call it before (or
// instead of waiting on) http.Server.Shutdown, whose own drain would otherwise
// keep accepting calls on open keep-alive connections until they end. Shutdown
// may be called more than once; the handler does not accept calls again.
func (s *Server) Shutdown(ctx context.Context) error {
	d := &s.drain
	d.mu.Lock()
	d.closing = true
	if d.inflight == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
