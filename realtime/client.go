package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/seed-b02f2472/inngest-go/internal/restapi"
)

// Client publishes, mints tokens and subscribes with an inngest.Client's
// configuration: its API base URL (the dev server, a self-hosted server or
// Inngest Cloud: never a URL of this package's own), signing keys,
// environment and HTTP client.
type Client struct {
	cfg exec.ClientConfig // a copy: the client's configuration never changes after NewClient
}

// New returns a realtime client for c.
func New(c *inngest.Client) *Client { return &Client{cfg: link.Config(c)} }

// APIBaseURL returns the origin the client talks to.
func (c *Client) APIBaseURL() string { return c.cfg.APIBaseURL }

// PublishOptions are a publish's optional fields.
type PublishOptions struct {
	// RunID is sent as the message's run_id. Default: none (PublishStep sets
	// the run's id).
	RunID string
	// Metadata is sent as the message's metadata (any JSON). Default: none.
	Metadata json.RawMessage
}

// Publish sends data on ref's channel and topic, now, once: it is not a step.
// Called from a function, it runs again each time the function is re-run
// (replay, retry), so subscribers may see it more than once; use PublishStep
// for a publish that happens once per run. From anywhere else (a web handler,
// a worker) it is the way to publish.
//
// data is validated against the topic's schema first (unless validation is
// off); a body over MaxMessageSize is refused with ErrTooLarge.
func Publish[T any](ctx context.Context, c *Client, ref Ref[T], data T, opts ...PublishOptions) error {
	if err := ref.check(); err != nil {
		return err
	}
	if err := ref.topic.Validate(data); err != nil {
		return err
	}
	b, err := jsoncodec.Marshal(data)
	if err != nil {
		return fmt.Errorf("inngest: realtime: encoding %q: %w", ref.topic.name, err)
	}
	var o PublishOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	return c.PublishRaw(ctx, ref.channel, ref.topic.name, b, o)
}

// PublishRaw sends body (JSON, or any bytes, which the server delivers as a
// JSON string) on channel and topic, without a schema. Like Publish it is not
// durable.
func (c *Client) PublishRaw(ctx context.Context, channel, topic string, body []byte, o PublishOptions) error {
	if err := checkName("channel", channel); err != nil {
		return err
	}
	if err := checkName("topic", topic); err != nil {
		return err
	}
	if len(body) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, the server takes at most %d", ErrTooLarge, len(body), MaxMessageSize)
	}
	path := "/v1/realtime/publish?" + publishQuery(channel, topic, o).Encode()
	res, err := restapi.Do(ctx, &c.cfg, http.MethodPost, path, body, false)
	if err != nil {
		return fmt.Errorf("inngest: POST /v1/realtime/publish: %w", err)
	}
	if res.Status/100 != 2 {
		return inngest.NewAPIError(http.MethodPost, "/v1/realtime/publish", res.Status, res.Body)
	}
	return nil
}

func publishQuery(channel, topic string, o PublishOptions) url.Values {
	q := url.Values{"channel": {channel}, "topic": {topic}}
	if o.RunID != "" {
		q.Set("run_id", o.RunID)
	}
	if len(o.Metadata) > 0 {
		q.Set("metadata", string(o.Metadata))
	}
	return q
}

// Stream publishes r's bytes as one stream on channel and topic: the server
// sends subscribers a datastream-start message, the bytes in chunks of
// ChunkSize as they arrive, and a datastream-end when r ends (EOF) or fails.
// It is not durable; inside a function, call it from a step.Run to stream
// once. The server takes at most 1000 chunks (about 1 MB) per stream.
//
// The body is sent as it is read, so it cannot be sent twice: Stream uses
// the signing key, and the fallback key only when there is no signing key.
func (c *Client) Stream(ctx context.Context, channel, topic string, r io.Reader, o PublishOptions) error {
	if err := checkName("channel", channel); err != nil {
		return err
	}
	if err := checkName("topic", topic); err != nil {
		return err
	}
	u := c.cfg.APIBaseURL + "/v1/realtime/publish?" + publishQuery(channel, topic, o).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, r)
	if err != nil {
		return fmt.Errorf("inngest: POST /v1/realtime/publish: %w", err)
	}
	req.Header.Set("Content-Type", "text/stream")
	restapi.SetHeaders(req.Header, &c.cfg, firstKey(c.cfg))
	resp, err := c.httpClient(true).Do(req)
	if err != nil {
		return fmt.Errorf("inngest: POST /v1/realtime/publish: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return inngest.NewAPIError(http.MethodPost, "/v1/realtime/publish", resp.StatusCode, raw)
	}
	return nil
}

func firstKey(cfg exec.ClientConfig) string {
	if cfg.SigningKey != "" {
		return cfg.SigningKey
	}
	return cfg.SigningKeyFallback
}

// httpClient returns the client's HTTP client; long is for requests that
// stay open (streams, subscriptions), which must not inherit its timeout.
func (c *Client) httpClient(long bool) *http.Client {
	hc := c.cfg.HTTPClient
	if hc == nil {
		return http.DefaultClient
	}
	if long && hc.Timeout != 0 {
		cp := *hc
		cp.Timeout = 0
		return &cp
	}
	return hc
}

// Token is a subscription token: what a subscriber (this package, or a
// browser with the JavaScript SDK) presents to read the channel's topics.
// Its JSON form, {"key","channel","topics"}, is what the JavaScript SDK's
// subscribe takes as its token.
type Token struct {
	// Key is the signed token (a JWT, HS256, issued by the server).
	Key string `json:"key"`
	// Channel and Topics are what it grants.
	Channel string   `json:"channel"`
	Topics  []string `json:"topics"`
	// Expires is when the server stops accepting it for a new connection
	// (the server mints tokens for 60 seconds); an open subscription is not
	// cut when it passes.
	Expires time.Time `json:"expires_at,omitzero"`
}

// tokenTopic is one entry of the token request, as the server reads it.
type tokenTopic struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Name    string `json:"name"`
}

// Token mints a subscription token for channel and topics through the
// server's POST /v1/realtime/token, authenticated with the signing key (the
// fallback key on 401). The server decides its lifetime (60 seconds) and
// scope (exactly these topics in this channel, in the client's environment).
func (c *Client) Token(ctx context.Context, channel string, topics ...string) (Token, error) {
	if err := checkName("channel", channel); err != nil {
		return Token{}, err
	}
	if len(topics) == 0 {
		return Token{}, fmt.Errorf("%w: a token needs at least one topic", ErrInvalidTopic)
	}
	body := make([]tokenTopic, len(topics))
	for i, t := range topics {
		if err := checkName("topic", t); err != nil {
			return Token{}, err
		}
		body[i] = tokenTopic{Kind: "run", Channel: channel, Name: t}
	}
	raw, _ := jsoncodec.Marshal(body)
	res, err := restapi.Do(ctx, &c.cfg, http.MethodPost, "/v1/realtime/token", raw, true)
	if err != nil {
		return Token{}, fmt.Errorf("inngest: POST /v1/realtime/token: %w", err)
	}
	if res.Status/100 != 2 {
		return Token{}, inngest.NewAPIError(http.MethodPost, "/v1/realtime/token", res.Status, res.Body)
	}
	var out struct {
		JWT string `json:"jwt"`
	}
	if err := jsoncodec.Unmarshal(res.Body, &out); err != nil || out.JWT == "" {
		return Token{}, fmt.Errorf("inngest: POST /v1/realtime/token: %w: no jwt in %q", ErrInvalidToken, truncate(res.Body))
	}
	tok := Token{Key: out.JWT, Channel: channel, Topics: append([]string(nil), topics...)}
	if cl, err := ParseToken(out.JWT); err == nil {
		tok.Expires = cl.Expires
	}
	return tok, nil
}

// TokenFor mints a token for refs, which must share one channel.
func TokenFor(ctx context.Context, c *Client, refs ...interface {
	Channel() string
	Topic() string
}) (Token, error) {
	if len(refs) == 0 {
		return Token{}, fmt.Errorf("%w: a token needs at least one topic", ErrInvalidTopic)
	}
	ch := refs[0].Channel()
	topics := make([]string, len(refs))
	for i, r := range refs {
		if r.Channel() != ch {
			return Token{}, fmt.Errorf("%w: one token is for one channel, got %q and %q", ErrInvalidTopic, ch, r.Channel())
		}
		topics[i] = r.Topic()
	}
	return c.Token(ctx, ch, topics...)
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}
