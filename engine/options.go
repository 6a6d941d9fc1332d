package engine

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// Options configure an Engine. The zero value works.
type Options struct {
	// Clock is the engine's time source. Default: RealClock. Use a VirtualClock
	// in tests (see VirtualClock for how).
	Clock Clock
	// Store persists apps, events, runs, pauses and timers. Default: a new
	// MemoryStore.
	Store Store
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
}

// DefaultRetryBackoff is the default retry delay: 10 s doubled per attempt
// (10 s, 20 s, 40 s, ...), capped at 10 minutes, minus up to 20 % jitter. The
// dev server waited about 34 s before the first step retry; 10 s keeps local
// development snappy while still backing off. On a VirtualClock with
// auto-advance the delay costs nothing.
func DefaultRetryBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := 10 * time.Second
	for i := 1; i < attempt && d < 10*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 10*time.Minute)
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.Store == nil {
		o.Store = NewMemoryStore()
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
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = 64
	}
	return o
}
