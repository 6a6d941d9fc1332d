package inngest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Client holds an app's configuration, sends events, and owns the functions created
// with it. It is safe for concurrent use.
type Client struct {
	cfg         exec.ClientConfig
	checkpoint  CheckpointOptions // resolved: every field set
	sendRetries int
	lookup      func(string) string
	middleware  chain
}

// NewClient resolves opts against the environment (see ClientOptions) and returns a
// client. It fails when AppID is empty or cloud mode has no signing key.
func NewClient(opts ClientOptions) (*Client, error) {
	return newClient(opts, osLookup)
}

func newClient(opts ClientOptions, lookup func(string) string) (*Client, error) {
	if strings.TrimSpace(opts.AppID) == "" {
		return nil, fmt.Errorf("%w: AppID is required", ErrInvalidClient)
	}
	cfg := exec.ClientConfig{
		AppID:      opts.AppID,
		AppVersion: opts.AppVersion,
		SDK:        SDKName + ":v" + Version,
		SDKVersion: Version,
		Logger:     opts.Logger,
		HTTPClient: opts.HTTPClient,
	}
	devEnv, devOrigin := devFromEnv(lookup("INNGEST_DEV"))
	switch opts.Mode {
	case ModeDev:
		cfg.Dev = true
	case ModeCloud:
		cfg.Dev = false
	default:
		cfg.Dev = devEnv
	}
	cfg.SigningKey = first(opts.SigningKey, getenv(lookup, "INNGEST_SIGNING_KEY"))
	cfg.SigningKeyFallback = first(opts.SigningKeyFallback, getenv(lookup, "INNGEST_SIGNING_KEY_FALLBACK"))
	cfg.EventKey = first(opts.EventKey, getenv(lookup, "INNGEST_EVENT_KEY"))
	cfg.Env = first(opts.Env, getenv(lookup, "INNGEST_ENV", "INNGEST_BRANCH"))
	base := first(opts.BaseURL, getenv(lookup, "INNGEST_BASE_URL"))
	devURL := first(opts.DevServerURL, devOrigin, devDefaultURL)
	apiDefault, eventDefault := cloudAPI, cloudEventAPI
	if cfg.Dev {
		apiDefault, eventDefault = devURL, devURL
	}
	cfg.APIBaseURL = strings.TrimRight(first(opts.APIBaseURL, getenv(lookup, "INNGEST_API_BASE_URL", "INNGEST_API_ORIGIN"), base, apiDefault), "/")
	cfg.EventAPIBaseURL = strings.TrimRight(first(opts.EventAPIBaseURL, getenv(lookup, "INNGEST_EVENT_API_BASE_URL", "INNGEST_EVENT_API_ORIGIN"), base, eventDefault), "/")
	cfg.ServeOrigin = strings.TrimRight(first(opts.ServeOrigin, getenv(lookup, "INNGEST_SERVE_ORIGIN", "INNGEST_SERVE_HOST")), "/")
	cfg.ServePath = first(opts.ServePath, getenv(lookup, "INNGEST_SERVE_PATH"))
	cfg.Streaming = opts.Streaming || truthy(lookup("INNGEST_STREAMING"))
	cfg.Platform = platformFromEnv(lookup)
	if cfg.Dev && cfg.EventKey == "" {
		cfg.EventKey = devEventKey
	}
	for _, u := range []string{cfg.APIBaseURL, cfg.EventAPIBaseURL} {
		if pu, err := url.Parse(u); err != nil || pu.Host == "" {
			return nil, fmt.Errorf("%w: base URL %q is not an absolute URL", ErrInvalidClient, u)
		}
	}
	if !cfg.Dev && cfg.SigningKey == "" {
		return nil, fmt.Errorf("%w: cloud mode needs a signing key (set SigningKey or INNGEST_SIGNING_KEY, or use Mode: inngest.ModeDev / INNGEST_DEV=1)", ErrInvalidClient)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: transportFor(http.DefaultTransport)}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	retries := opts.SendRetries
	if retries == 0 {
		retries = 5
	}
	if retries < 0 {
		retries = 0
	}
	return &Client{cfg: cfg, checkpoint: opts.Checkpoint.withDefaults(CheckpointOptions{}), sendRetries: retries, lookup: lookup,
		middleware: newChain(opts.Middleware, nil)}, nil
}

// The resolved configuration and the functions' definitions are reachable only from
// this module's packages (serve, inngest/api), through internal/link: an exported
// accessor would let any importer read the signing key or change a base URL after
// NewClient. Config hands out a copy.
func init() {
	link.Register(func(c *Client) exec.ClientConfig { return c.cfg },
		func(f ServableFunction) []*exec.Function { return f.definitions() })
}

// AppID returns the app id.
func (c *Client) AppID() string { return c.cfg.AppID }

// Mode returns ModeDev or ModeCloud, as resolved.
func (c *Client) Mode() Mode {
	if c.cfg.Dev {
		return ModeDev
	}
	return ModeCloud
}

// APIBaseURL returns the resolved API origin.
func (c *Client) APIBaseURL() string { return c.cfg.APIBaseURL }

// EventAPIBaseURL returns the resolved event API origin.
func (c *Client) EventAPIBaseURL() string { return c.cfg.EventAPIBaseURL }

// Logger returns the client's logger.
func (c *Client) Logger() *slog.Logger { return c.cfg.Logger }

// Send sends one or more events to POST {EventAPIBaseURL}/e/{EventKey} in one request
// and returns their ids in order. Typed events are validated against their schema
// first. 5xx responses and network errors are retried with exponential backoff and
// jitter (see ClientOptions.SendRetries); 4xx responses are not.
func (c *Client) Send(ctx context.Context, evs ...events.Sendable) ([]string, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	envs := make([]events.Envelope, len(evs))
	for i, ev := range evs {
		env, err := ev.Envelope()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(env.Name, "inngest/") {
			return nil, fmt.Errorf("%w: event name %q is reserved for the server", ErrSend, env.Name)
		}
		if c.middleware != nil {
			if err := c.middleware.send(ctx, &env); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrSend, err)
			}
		}
		envs[i] = env
	}
	body, err := jsoncodec.Marshal(envs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSend, err)
	}
	endpoint := c.cfg.EventAPIBaseURL + "/e/" + url.PathEscape(c.cfg.EventKey)
	seed, ok := exec.EventIDSeed(ctx) // step.SendEvent: the same ids on every attempt
	if !ok {
		seed = wire.NewEventIDSeed(time.Now())
	}
	var lastErr error
	for attempt := 0; attempt <= c.sendRetries; attempt++ {
		if attempt > 0 {
			if err := restapi.Sleep(ctx, restapi.Backoff(attempt)); err != nil {
				return nil, fmt.Errorf("%w: %v (last error: %v)", ErrSend, err, lastErr)
			}
		}
		ids, retry, err := c.sendOnce(ctx, endpoint, seed, body, len(envs))
		if err == nil {
			return ids, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func (c *Client) sendOnce(ctx context.Context, endpoint, seed string, body []byte, n int) ([]string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrSend, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderSDK, c.cfg.SDK)
	req.Header.Set("User-Agent", c.cfg.SDK)
	req.Header.Set(wire.HeaderEventIDSeed, seed)
	if c.cfg.Env != "" {
		req.Header.Set(wire.HeaderEnv, c.cfg.Env)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("%w: %v", ErrSend, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, true, fmt.Errorf("%w: reading response: %v", ErrSend, err)
	}
	var out wire.SendResponse
	_ = jsoncodec.Unmarshal(raw, &out)
	if resp.StatusCode >= 500 {
		return nil, true, fmt.Errorf("%w: status %d: %s", ErrSend, resp.StatusCode, firstNonEmpty(out.Error, string(raw)))
	}
	if resp.StatusCode >= 300 {
		return nil, false, fmt.Errorf("%w: status %d: %s", ErrSend, resp.StatusCode, firstNonEmpty(out.Error, string(raw)))
	}
	if len(out.IDs) != n {
		return nil, false, fmt.Errorf("%w: expected %d ids, got %d", ErrSend, n, len(out.IDs))
	}
	return out.IDs, false, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return strings.TrimSpace(b)
}
