package connect

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"time"
)

// Options configure a Worker. The zero value works.
type Options struct {
	// InstanceID names this worker process to the gateway; keep it stable
	// across restarts of the same replica (a Kubernetes pod name) so the
	// gateway sees a reconnect rather than a new worker. Default: the host
	// name, else a random id.
	InstanceID string
	// MaxConcurrency is how many requests run at once; the gateway is told and
	// routes no more. Default 0: no limit.
	MaxConcurrency int
	// AppVersion is reported with the app. Default: the client's AppVersion.
	AppVersion string
	// HeartbeatInterval is how often the worker sends a heartbeat. Default: the
	// interval the gateway asks for in GATEWAY_CONNECTION_READY (10 s on the
	// open-source server).
	HeartbeatInterval time.Duration
	// MaxMissedHeartbeats is how many heartbeats in a row may go unanswered
	// before the connection counts as dead and is replaced. Default 2.
	MaxMissedHeartbeats int
	// ExtendLeaseInterval is how often the lease of each running request is
	// extended. Default: the interval the gateway asks for (30 s on the
	// open-source server, a quarter of the 2-minute lease).
	ExtendLeaseInterval time.Duration
	// ReconnectMin and ReconnectMax bound the delay before a reconnect: it
	// doubles from ReconnectMin up to ReconnectMax with each failed attempt, and
	// each wait is a random 50-100 % of that (jitter). Defaults 500 ms and 30 s.
	ReconnectMin, ReconnectMax time.Duration
	// ReplyAckTimeout is how long the worker waits for WORKER_REPLY_ACK before
	// it sends the reply to the flush endpoint instead. Default 10 s.
	ReplyAckTimeout time.Duration
	// ShutdownTimeout is how long, once Run's context is done, requests in
	// flight may take to finish; then their contexts are cancelled. Default 30 s.
	ShutdownTimeout time.Duration
	// MaxMessageBytes refuses larger gateway messages (the connection is
	// replaced). Default 64 MiB.
	MaxMessageBytes int64
	// Logger receives the worker's log lines. Default: the client's logger,
	// else slog.Default().
	Logger *slog.Logger
	// OnReady, when set, is called with true each time the worker is connected
	// and ready for requests and with false each time it stops being so. It is
	// called from the worker's goroutines; keep it quick. See also Worker.Ready
	// and Worker.ReadyHandler.
	OnReady func(ready bool)
}

func (o Options) withDefaults() Options {
	if o.InstanceID == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			o.InstanceID = h
		} else {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			o.InstanceID = "worker-" + hex.EncodeToString(b)
		}
	}
	if o.MaxMissedHeartbeats <= 0 {
		o.MaxMissedHeartbeats = 2
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = 500 * time.Millisecond
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = 30 * time.Second
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = o.ReconnectMin
	}
	if o.ReplyAckTimeout <= 0 {
		o.ReplyAckTimeout = 10 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 64 << 20
	}
	return o
}
