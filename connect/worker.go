package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// ErrConfig wraps the configuration errors of New.
var ErrConfig = errors.New("inngest: invalid connect configuration")

// ErrUnauthorized: the server refused the signing key (and the fallback key)
// when the worker asked to connect. Run returns it: retrying cannot help.
var ErrUnauthorized = errors.New("inngest: connect: signing key refused")

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("inngest: connect: worker closed")

// Worker is a Connect worker for one app's functions. Create it with New; Run
// it once.
type Worker struct {
	opts   Options
	tr     link.Transport
	appID  string
	fns    []byte // the functions' sync configuration (JSON)
	logger *slog.Logger

	sem chan struct{} // nil: no concurrency limit

	mu       sync.Mutex
	cur      *conn // the connection requests go out on; nil while reconnecting
	inflight map[string]*request

	ready      atomic.Bool
	running    atomic.Bool
	leaseEvery atomic.Int64 // the gateway's extend-lease interval, ns

	// runCtx is the requests' context: cancelled by Close, or once the
	// shutdown deadline passed.
	runCtx    context.Context
	cancelRun context.CancelFunc
	requests  sync.WaitGroup // request goroutines, reply delivery included
	closed    chan struct{}
	closeOnce sync.Once
}

// New returns a worker for fns of client. Function code needs no change to
// run here rather than behind serve.Handler.
func New(client *inngest.Client, opts Options, fns ...inngest.ServableFunction) (*Worker, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("%w: no functions", ErrConfig)
	}
	srv, err := serve.New(client, serve.Options{Framework: "connect"}, fns...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	opts = opts.withDefaults()
	tr := link.ServeTransport(srv)
	cfg := tr.Config()
	if opts.AppVersion == "" {
		opts.AppVersion = cfg.AppVersion
	}
	if opts.Logger == nil {
		opts.Logger = cfg.Logger
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	fnJSON, err := jsoncodec.Marshal(tr.Functions("ws", "ws://connect"))
	if err != nil {
		return nil, fmt.Errorf("%w: encoding function configuration: %w", ErrConfig, err)
	}
	w := &Worker{
		opts: opts, tr: tr, appID: cfg.AppID, fns: fnJSON,
		logger:   opts.Logger.With("component", "inngest-connect", "instance_id", opts.InstanceID),
		inflight: map[string]*request{},
		closed:   make(chan struct{}),
	}
	if opts.MaxConcurrency > 0 {
		w.sem = make(chan struct{}, opts.MaxConcurrency)
	}
	w.runCtx, w.cancelRun = context.WithCancel(context.Background())
	return w, nil
}

// Run connects a worker for fns of client and serves requests until ctx is
// done (see Worker.Run).
func Run(ctx context.Context, client *inngest.Client, opts Options, fns ...inngest.ServableFunction) error {
	w, err := New(client, opts, fns...)
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

// Run connects to the gateway and serves requests, reconnecting as needed,
// until ctx is done; then it pauses (no new requests), lets the requests in
// flight finish up to Options.ShutdownTimeout, delivers their replies, closes
// the connection and returns nil. It returns early with ErrUnauthorized when
// the server refuses the signing key, and ErrClosed after Close.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: Run called twice", ErrConfig)
	}
	leaseDone := make(chan struct{})
	leaseStop := make(chan struct{})
	go func() {
		defer close(leaseDone)
		w.extendLeases(leaseStop)
	}()
	err := w.supervise(ctx)
	w.shutdown()
	close(leaseStop)
	<-leaseDone
	return err
}

// Close stops the worker at once: requests in flight are cancelled, the
// connection is closed, Run returns ErrClosed. Use Run's context for a
// graceful stop; Close is the second signal.
func (w *Worker) Close() error {
	w.closeOnce.Do(func() {
		close(w.closed)
		w.cancelRun()
	})
	return nil
}

// Ready reports whether the worker is connected and ready for requests.
func (w *Worker) Ready() bool { return w.ready.Load() }

// ReadyHandler answers 200 while the worker is ready and 503 otherwise: mount
// it as a Kubernetes readiness probe.
func (w *Worker) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if w.Ready() {
			rw.WriteHeader(http.StatusOK)
			_, _ = rw.Write([]byte("ready\n"))
			return
		}
		rw.WriteHeader(http.StatusServiceUnavailable)
		_, _ = rw.Write([]byte("not connected\n"))
	})
}

func (w *Worker) setReady(v bool) {
	if w.ready.Swap(v) != v && w.opts.OnReady != nil {
		w.opts.OnReady(v)
	}
}

func (w *Worker) current() *conn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

func (w *Worker) setCurrent(c *conn) {
	w.mu.Lock()
	w.cur = c
	w.mu.Unlock()
	w.setReady(c != nil)
}

// supervise keeps one connection up until ctx is done or Close.
func (w *Worker) supervise(ctx context.Context) error {
	var (
		attempt int
		exclude []string
		c       *conn
	)
	for {
		if c == nil {
			nc, err := w.connect(ctx, exclude)
			if err != nil {
				if errors.Is(err, ErrUnauthorized) {
					// Retrying cannot help: say so once, loudly, and stop.
					w.logger.Error("inngest: connect: signing key refused; not retrying (check INNGEST_SIGNING_KEY and INNGEST_SIGNING_KEY_FALLBACK against the server's key)", "error", err)
					return err
				}
				if ctx.Err() != nil {
					return nil
				}
				if w.isClosed() {
					return ErrClosed
				}
				d := backoff(attempt, w.opts.ReconnectMin, w.opts.ReconnectMax)
				attempt++
				w.logger.Warn("inngest: connect: could not connect; retrying", "error", err, "attempt", attempt, "retry_in", d)
				if !w.sleep(ctx, d) {
					if w.isClosed() {
						return ErrClosed
					}
					return nil
				}
				continue
			}
			attempt, exclude, c = 0, nil, nc
			w.setCurrent(c)
			w.logger.Info("inngest: connect: connected", "connection_id", c.id, "gateway_group", c.group)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.closed:
			c.close(1000, "WORKER_SHUTDOWN")
			w.setCurrent(nil)
			return ErrClosed
		case <-c.done:
			w.setCurrent(nil)
			w.logger.Warn("inngest: connect: connection lost; reconnecting", "connection_id", c.id, "error", c.error())
			c = nil
			if !w.sleep(ctx, backoff(0, w.opts.ReconnectMin, w.opts.ReconnectMax)) {
				if w.isClosed() {
					return ErrClosed
				}
				return nil
			}
		case <-c.draining:
			// The gateway is going away: connect elsewhere first, then let the old
			// connection go; its requests' replies and leases move to the new one.
			w.logger.Info("inngest: connect: gateway draining; reconnecting elsewhere", "connection_id", c.id, "gateway_group", c.group)
			old := c
			w.setCurrent(nil)
			c = nil
			exclude = []string{old.group}
			w.requests.Add(1)
			go func() {
				defer w.requests.Done()
				// Give acks in flight on the old socket a moment, then close it.
				t := time.NewTimer(w.opts.ReplyAckTimeout)
				defer t.Stop()
				select {
				case <-t.C:
				case <-old.done:
				case <-w.closed:
				}
				old.close(1000, "GATEWAY_DRAINING")
			}()
		}
	}
}

func (w *Worker) isClosed() bool {
	select {
	case <-w.closed:
		return true
	default:
		return false
	}
}

// sleep waits d; false when ctx is done or the worker closed first.
func (w *Worker) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-w.closed:
		return false
	}
}

// shutdown is the graceful stop: pause, wait for requests up to the deadline,
// close the socket.
func (w *Worker) shutdown() {
	c := w.current()
	w.setReady(false)
	if c != nil {
		if err := c.send(cpPause, nil); err != nil {
			w.logger.Warn("inngest: connect: could not send WORKER_PAUSE", "error", err)
		}
	}
	done := make(chan struct{})
	go func() {
		w.requests.Wait()
		close(done)
	}()
	t := time.NewTimer(w.opts.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-w.closed:
	case <-t.C:
		w.mu.Lock()
		n := len(w.inflight)
		w.mu.Unlock()
		w.logger.Warn("inngest: connect: shutdown deadline passed; cancelling requests in flight", "in_flight", n)
	}
	w.cancelRun()
	<-done
	if c = w.current(); c != nil {
		c.close(1000, "WORKER_SHUTDOWN")
		<-c.done
	}
	w.setCurrent(nil)
}

// backoff is the wait before reconnect attempt n: min doubled n times, capped
// at max, then a random 50-100 % of it.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}
