package connectgw

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// Host is what the gateway needs of the engine: *engine.Engine implements it.
type Host interface {
	// SyncConfig syncs an app from a register body (POST /fn/register).
	SyncConfig(ctx context.Context, body []byte) (engine.SyncResult, error)
	// KeyAuthorized reports whether a bearer token is the signing key.
	KeyAuthorized(tok string) bool
	// RequiresKey reports whether the host has a signing key.
	RequiresKey() bool
	// SetConnectTransport makes the gateway carry the host's Connect calls.
	SetConnectTransport(t engine.ConnectTransport)
}

// Options configure a Gateway. The zero value gives the server's defaults.
type Options struct {
	// HeartbeatInterval is how often workers are told to heartbeat
	// (GATEWAY_CONNECTION_READY) and how often the gateway checks they did.
	// Default 10 s, the server's.
	HeartbeatInterval time.Duration
	// MissedHeartbeats is how many heartbeat intervals without a worker
	// heartbeat close the connection. Default 5, the server's.
	MissedHeartbeats int
	// LeaseDuration is how long a request's lease lasts unless the worker
	// extends it. Default 2 minutes, the server's.
	LeaseDuration time.Duration
	// ExtendLeaseInterval is how often workers are told to extend leases,
	// and how often the gateway checks a lease expired. Default
	// LeaseDuration/4, the server's.
	ExtendLeaseInterval time.Duration
	// LeaseGrace is how long a reply may still arrive after a lease expired
	// before the call fails. Default 5 s, the server's.
	LeaseGrace time.Duration
	// StatusInterval is the WORKER_STATUS interval announced to workers; 0
	// (the default, the server's) disables status messages.
	StatusInterval time.Duration
	// HandshakeTimeout bounds the wait for WORKER_CONNECT. Default 5 s.
	HandshakeTimeout time.Duration
	// DrainTimeout bounds how long Drain waits for a worker to leave after
	// GATEWAY_CLOSING before closing its connection. Default 25 s.
	DrainTimeout time.Duration
	// RouteTimeout bounds how long a call waits for a ready connection of
	// its app (for example while a drained worker reconnects) before it
	// fails with ErrNoHealthyConnection. Default 10 s.
	RouteTimeout time.Duration
	// MaxMessageBytes bounds a worker message. Default 8 MiB, the server's
	// (the largest step output plus input).
	MaxMessageBytes int64
	// MaxAppsPerConnection bounds the apps of one connection. Default 10.
	MaxAppsPerConnection int
	// GatewayURL is the WebSocket URL /v0/connect/start returns; default
	// ws://<request host>/v0/connect (the gateway served by Handler).
	GatewayURL string
	// Logger receives the gateway's log lines; default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 10 * time.Second
	}
	if o.MissedHeartbeats <= 0 {
		o.MissedHeartbeats = 5
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 2 * time.Minute
	}
	if o.ExtendLeaseInterval <= 0 {
		o.ExtendLeaseInterval = o.LeaseDuration / 4
	}
	if o.LeaseGrace <= 0 {
		o.LeaseGrace = 5 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 25 * time.Second
	}
	if o.RouteTimeout <= 0 {
		o.RouteTimeout = 10 * time.Second
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 8 << 20
	}
	if o.MaxAppsPerConnection <= 0 {
		o.MaxAppsPerConnection = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Errors a call can fail with; the engine retries the call as it retries a
// failed HTTP request.
var (
	// ErrNoHealthyConnection: no ready connection serves the call's app.
	ErrNoHealthyConnection = errors.New("inngest: connect: could not find a healthy connection")
	// ErrWorkerStoppedResponding: the request's lease expired.
	ErrWorkerStoppedResponding = errors.New("inngest: connect: the worker stopped responding to the request")
	// ErrGatewayClosed: the gateway closed.
	ErrGatewayClosed = errors.New("inngest: connect: gateway closed")
)

// Gateway is a Connect gateway for an embedded engine: workers start a
// session at POST /v0/connect/start, open a WebSocket at /v0/connect, sync
// their apps with WORKER_CONNECT and receive the engine's calls to those
// apps, exactly as with the server's gateway.
type Gateway struct {
	host   Host
	opts   Options
	log    *slog.Logger
	secret []byte

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu sync.Mutex
	// conns are the connections that finished the handshake, by ID.
	conns map[string]*conn
	// reqs are the calls in flight, by request ID.
	reqs map[string]*request
	// buffered are replies that arrived for no call in flight (flushed or
	// late), by request ID; bounded by maxBuffered.
	buffered map[string]bufferedReply
	// routable is closed and replaced when a connection becomes routable.
	routable chan struct{}
	closed   bool
}

// maxBuffered bounds Gateway.buffered.
const maxBuffered = 1024

// bufferedTTL is how long a buffered reply is kept.
const bufferedTTL = 10 * time.Minute

type bufferedReply struct {
	resp *connectproto.SDKResponse
	at   time.Time
}

// New returns a gateway for host and makes it carry host's Connect calls.
// Serve its Handler beside the engine's; Close it before the engine.
func New(host Host, opts Options) *Gateway {
	opts = opts.withDefaults()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		host: host, opts: opts, log: opts.Logger.With("component", "connect-gateway"), secret: secret,
		ctx: ctx, cancel: cancel,
		conns: map[string]*conn{}, reqs: map[string]*request{}, buffered: map[string]bufferedReply{},
		routable: make(chan struct{}),
	}
	host.SetConnectTransport(g)
	return g
}

// Handler serves the worker endpoints:
//
//	POST /v0/connect/start   start a session (StartRequest → StartResponse)
//	POST /v0/connect/flush   deliver a reply that got no ack (SDKResponse → FlushResponse)
//	GET  /v0/connect         the WebSocket (subprotocol v0.connect.inngest.com)
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+connectproto.StartPath, g.handleStart)
	mux.HandleFunc("POST "+connectproto.FlushPath, g.handleFlush)
	mux.HandleFunc("GET /v0/connect", g.handleWebSocket)
	return mux
}

// Close ends every connection as the dev server does when it stops
// (GATEWAY_CLOSING, then the socket drops with no close frame: the workers
// reconnect), fails the calls in flight and waits for the gateway's
// goroutines.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
	return nil
}

// Drain asks every connection open now to reconnect (GATEWAY_CLOSING), as
// a gateway being redeployed does: they take no new requests, and each is
// closed once its worker left or after DrainTimeout. Unlike a real gateway,
// which then stops, this one keeps accepting connections, so that the
// workers reconnect to it. Drain returns when those connections closed.
func (g *Gateway) Drain(ctx context.Context) error {
	g.mu.Lock()
	list := make([]*conn, 0, len(g.conns))
	for _, c := range g.conns {
		list = append(list, c)
	}
	g.mu.Unlock()
	for _, c := range list {
		c.startDrain()
	}
	for _, c := range list {
		select {
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// ConnInfo describes a connected worker.
type ConnInfo struct {
	// ID is the connection ID and InstanceID the worker's instance ID.
	ID, InstanceID string
	// Apps are the apps the connection serves.
	Apps []string
	// SDK is the worker's "language:version".
	SDK string
	// Since is when the connection became ready; LastHeartbeat is the
	// worker's last heartbeat.
	Since, LastHeartbeat time.Time
	// InFlight counts the requests the connection holds.
	InFlight int
	// Status is READY, DRAINING (paused or asked to reconnect) or
	// CONNECTED (waiting for the worker's readiness).
	Status string
}

// Connections lists the connected workers, oldest first.
func (g *Gateway) Connections() []ConnInfo {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]ConnInfo, 0, len(g.conns))
	for _, c := range g.conns {
		out = append(out, c.infoLocked())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// notifyRoutableLocked wakes calls waiting for a connection.
func (g *Gateway) notifyRoutableLocked() {
	close(g.routable)
	g.routable = make(chan struct{})
}
