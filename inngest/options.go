package inngest

import (
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"log/slog"
	"net/http"
	"time"
)

// Mode selects dev or cloud behaviour.
type Mode int

const (
	// ModeAuto (the zero value) reads INNGEST_DEV: dev when it is "1", "true" or a
	// URL, cloud otherwise.
	ModeAuto Mode = iota
	// ModeDev talks to a dev server and skips signature verification.
	ModeDev
	// ModeCloud talks to Inngest Cloud (or a self-hosted server) and requires a valid
	// signature on every request.
	ModeCloud
)

// String returns "dev", "cloud" or "auto".
func (m Mode) String() string {
	switch m {
	case ModeDev:
		return "dev"
	case ModeCloud:
		return "cloud"
	}
	return "auto"
}

// ClientOptions configure a Client. The zero value works (with AppID set): every
// empty field falls back to its INNGEST_* environment variable, then to a default.
type ClientOptions struct {
	// AppID identifies the app; required. Function ids are prefixed with it.
	AppID string
	// AppVersion is sent at sync (optional).
	AppVersion string
	// EventKey is the event key for sending. Default: $INNGEST_EVENT_KEY; in dev mode
	// "NO_EVENT_KEY_SET" when unset.
	EventKey string
	// SigningKey verifies requests and authenticates API calls. Default:
	// $INNGEST_SIGNING_KEY. Required in cloud mode.
	SigningKey string
	// SigningKeyFallback is tried when SigningKey fails (key rotation). Default:
	// $INNGEST_SIGNING_KEY_FALLBACK.
	SigningKeyFallback string
	// Env is the branch environment, sent as X-Inngest-Env. Default: $INNGEST_ENV.
	Env string
	// Mode selects dev or cloud. Default ModeAuto: from $INNGEST_DEV.
	Mode Mode
	// DevServerURL is the dev server origin in dev mode. Default: $INNGEST_DEV when it
	// is a URL, else http://127.0.0.1:8288.
	DevServerURL string
	// BaseURL sets both API and event API origins. Default: $INNGEST_BASE_URL.
	BaseURL string
	// APIBaseURL is the API origin (/fn/register, /v1/checkpoint, /v0/runs).
	// Default: $INNGEST_API_BASE_URL (or $INNGEST_API_ORIGIN), then BaseURL, then the
	// dev server in dev mode, then https://api.inngest.com.
	APIBaseURL string
	// EventAPIBaseURL is the event API origin (/e/{key}). Default:
	// $INNGEST_EVENT_API_BASE_URL (or $INNGEST_EVENT_API_ORIGIN), then BaseURL, then
	// the dev server in dev mode, then https://inn.gs.
	EventAPIBaseURL string
	// ServeOrigin replaces the scheme and host of the URL registered at sync, e.g.
	// "https://app.example.com". In cloud mode an unsigned sync (a bare PUT) needs
	// it, with its scheme, and registers only it (plus ServePath); without it such
	// a PUT is refused with 401. Default: $INNGEST_SERVE_ORIGIN (or
	// $INNGEST_SERVE_HOST); else a signed or dev-mode sync takes the URL from the
	// request.
	ServeOrigin string
	// ServePath replaces the path of the registered URL. Default: $INNGEST_SERVE_PATH.
	ServePath string
	// Streaming turns on keep-alive streaming of call responses. Default:
	// $INNGEST_STREAMING is "true" or "allow".
	Streaming bool
	// HTTPClient makes outbound requests (sends, checkpoints, syncs). Default: a
	// client with a 30 s timeout over a transport, shared by every client using
	// the default, that keeps up to 100 idle connections per host (the standard
	// library default keeps 2, so concurrent requests would keep opening new
	// connections): a clone of http.DefaultTransport, or, when the program (a
	// tracing or test library) replaced http.DefaultTransport with a wrapper that
	// is not an *http.Transport, that wrapper as is. A client of your own should
	// raise MaxIdleConnsPerHost too.
	HTTPClient *http.Client
	// Logger receives SDK logs. Default: slog.Default().
	Logger *slog.Logger
	// Checkpoint configures checkpointing for every function of the client.
	// Default: on, see CheckpointOptions.
	Checkpoint CheckpointOptions
	// SendRetries is the number of retries of a failed Send on 5xx or network
	// errors (never on 4xx). Default 5; negative disables retries.
	SendRetries int
	// Middleware applies to every function of the client (before each function's
	// own, see Middleware for the order) and to Send. Default: none.
	Middleware []*Middleware
}

// CheckpointOptions configure checkpointing: consecutive step.Run calls execute in one
// request and are persisted through the checkpoint API, instead of one HTTP round trip
// and one replay per step. The zero value turns it on with the defaults below.
type CheckpointOptions struct {
	// Disabled turns checkpointing off (one step per request, as in the classic protocol).
	Disabled bool
	// BatchSteps flushes buffered steps when this many are buffered. Default 50.
	BatchSteps int
	// BatchInterval flushes when the oldest buffered step is this old. Default 2 s.
	BatchInterval time.Duration
	// MaxRuntime stops running new steps in one request after this long; the next
	// step is planned instead and the server calls back. Default 30 s.
	MaxRuntime time.Duration
}

// Default checkpoint settings.
const (
	DefaultCheckpointBatchSteps    = 50
	DefaultCheckpointBatchInterval = 2 * time.Second
	DefaultCheckpointMaxRuntime    = 30 * time.Second
)

// config is the form the execution core uses; the only place it is built.
func (c CheckpointOptions) config() exec.CheckpointConfig {
	return exec.CheckpointConfig{Disabled: c.Disabled, BatchSteps: c.BatchSteps, BatchInterval: c.BatchInterval, MaxRuntime: c.MaxRuntime}
}

// withDefaults fills c's zero fields from base, then from the package defaults.
func (c CheckpointOptions) withDefaults(base CheckpointOptions) CheckpointOptions {
	if base.Disabled {
		c.Disabled = true
	}
	if c.BatchSteps <= 0 {
		c.BatchSteps = base.BatchSteps
	}
	if c.BatchInterval <= 0 {
		c.BatchInterval = base.BatchInterval
	}
	if c.MaxRuntime <= 0 {
		c.MaxRuntime = base.MaxRuntime
	}
	if c.BatchSteps <= 0 {
		c.BatchSteps = DefaultCheckpointBatchSteps
	}
	if c.BatchInterval <= 0 {
		c.BatchInterval = DefaultCheckpointBatchInterval
	}
	if c.MaxRuntime <= 0 {
		c.MaxRuntime = DefaultCheckpointMaxRuntime
	}
	return c
}
