package engine

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
)

// Options configure an Engine. The zero value works.
type Options struct {
	// Clock is the engine's time source. Default: RealClock. Use a VirtualClock
	// in tests (see VirtualClock for how).
	Clock Clock
	// Store persists apps, events, runs, pauses and timers (the contract is
	// engine/enginestore). Default: a new in-memory store (engine/memstore).
	Store enginestore.Store
	// SigningKey, when set, signs every call with X-Inngest-Signature (HMAC over
	// the canonical body, PROTOCOL §2.1) and requires the Bearer token (hashed or
	// plain key) on /fn/register, /v1/checkpoint and /v0/runs. Default: empty,
	// like `inngest dev`: nothing is signed or checked.
	SigningKey string
	// EventKey, when set, is the only key accepted on /e/{key}. Default: empty,
	// any key is accepted, like the dev server.
	EventKey string
	// Logger receives diagnostics. Default: a logger that discards everything.
	Logger *slog.Logger
	// HTTPClient makes the calls to apps and the sync PUT. Default: a client
	// with no overall timeout (CallTimeout bounds each call) that keeps up to
	// MaxConcurrentCalls idle connections per host.
	HTTPClient *http.Client
	// RetryBackoff returns the delay before retry number attempt (1 for the
	// first retry) of a failed call or step. Default: DefaultRetryBackoff.
	RetryBackoff func(attempt int) time.Duration
	// CallTimeout bounds one HTTP call to an app, including a streamed
	// (keep-alive) reply. Default: 2 hours, the server's maximum step duration.
	CallTimeout time.Duration
	// MaxConcurrentCalls bounds the HTTP calls in flight across all runs.
	// Default: 64.
	MaxConcurrentCalls int
	// Retention is how long finished runs are kept after they end, and events
	// after they are received (events at least 24 h, the event-id
	// deduplication window), measured on Clock; older ones are deleted from a
	// enginestore.Store that implements enginestore.Pruner. Default (zero): DefaultRetention. Negative:
	// keep everything.
	Retention time.Duration
}

// retryTable is the server's retry delay table (pkg/backoff): retry n waits
// entry n-1, and every retry after the tenth waits the last entry.
var retryTable = [...]time.Duration{
	15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, 2 * time.Hour,
}

// retryJitter is the most random delay the server adds to a table entry.
const retryJitter = 30 * time.Second

// DefaultRetryBackoff is the server's retry delay: 15 s, 30 s, 1 m, 2 m, 5 m,
// 10 m, 20 m, 40 m, 1 h, then 2 h for the tenth retry and every later one,
// each plus 0 to 30 s of random jitter (whole milliseconds). attempt is the
// retry's number (1 for the first retry; below 1 counts as 1). On a
// VirtualClock with auto-advance the delay costs nothing.
func DefaultRetryBackoff(attempt int) time.Duration {
	i := min(max(attempt, 1), len(retryTable)) - 1
	jitter := time.Duration(rand.Int64N(int64(retryJitter/time.Millisecond))) * time.Millisecond
	return retryTable[i] + jitter
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.Store == nil {
		o.Store = memstore.New()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.MaxConcurrentCalls
		if tr.MaxIdleConnsPerHost <= 0 {
			tr.MaxIdleConnsPerHost = 64
		}
		o.HTTPClient = &http.Client{Transport: tr}
	}
	if o.RetryBackoff == nil {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 2 * time.Hour
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = 64
	}
	return o
}
