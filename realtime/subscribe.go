package realtime

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-b02f2472/inngest-go/inngest"
)

// Transport is how a subscription reads from the server.
type Transport string

// Transports.
const (
	// WebSocket reads GET /v1/realtime/connect (the default).
	WebSocket Transport = "websocket"
	// SSE reads GET /v1/realtime/sse (server-sent events).
	SSE Transport = "sse"
)

// SubscribeOptions configure a subscription. The zero value subscribes over
// WebSocket, minting a token with the client, and reconnects up to 5 times
// in a row.
type SubscribeOptions struct {
	// Transport is WebSocket or SSE. Default: WebSocket.
	Transport Transport
	// Token is used instead of minting one (for example a token a browser
	// got from a TokenHandler). Default: the client mints a token for each
	// connection, so a reconnect after the 60 s lifetime works. A given
	// token is reused on reconnect, which the server refuses once it expired;
	// Subscribe refuses (ErrInvalidTopic) a channel or topic it does not grant.
	Token *Token
	// MaxReconnects is how many reconnect attempts in a row are made after a
	// drop before the subscription fails. Default (0): 5. Negative: never
	// reconnect.
	MaxReconnects int
	// Backoff is the wait before the first reconnect attempt; it doubles up
	// to 5 s. Default: 250 ms.
	Backoff time.Duration
	// Buffer is how many received messages wait for Messages before the
	// subscription stops reading (the server then sees a slow subscriber).
	// Default: 256.
	Buffer int
}

// item is one thing a subscription hands to Messages.
type item struct {
	m     Message
	err   error
	final bool
}

// Subscription reads one channel's topics from the server until its ctx ends
// or Close is called.
//
// Reconnect semantics: when the connection drops (network error, the server
// closing it, a "closing" message, or the server disconnecting this
// subscriber as too slow) the subscription reconnects with a fresh token
// (unless SubscribeOptions.Token was given) and Messages yields ErrGap once:
// the server keeps no backlog, so whatever was published between the drop
// and the new connection is lost. Streams (datastream-start ... end) cut by a
// drop are not resumed. After MaxReconnects failed attempts in a row,
// Messages yields the last error and ends.
type Subscription struct {
	c       *Client
	channel string
	topics  []string
	o       SubscribeOptions

	out    chan item
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	conn io.Closer
}

// Subscribe connects to channel's topics. It returns once the server accepted
// the subscription (or refused it: a 401 is an *inngest.APIError matching
// inngest.ErrUnauthorized). The subscription lives until ctx ends or Close.
func (c *Client) Subscribe(ctx context.Context, channel string, topics []string, o SubscribeOptions) (*Subscription, error) {
	if err := checkName("channel", channel); err != nil {
		return nil, err
	}
	if len(topics) == 0 && o.Token == nil {
		return nil, fmt.Errorf("%w: a subscription needs at least one topic", ErrInvalidTopic)
	}
	if o.Token != nil {
		if err := grants(*o.Token, channel, topics); err != nil {
			return nil, err
		}
	}
	if o.Transport == "" {
		o.Transport = WebSocket
	}
	if o.Transport != WebSocket && o.Transport != SSE {
		return nil, fmt.Errorf("inngest: realtime: unknown transport %q", o.Transport)
	}
	if o.MaxReconnects == 0 {
		o.MaxReconnects = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 250 * time.Millisecond
	}
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Subscription{c: c, channel: channel, topics: topics, o: o, out: make(chan item, o.Buffer), ctx: sctx, cancel: cancel, done: make(chan struct{})}
	read, err := s.connect(sctx)
	if err != nil {
		cancel()
		return nil, err
	}
	go s.run(read)
	return s, nil
}

// Close ends the subscription and waits for its reader to stop.
func (s *Subscription) Close() error {
	s.cancel()
	s.mu.Lock()
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.mu.Unlock()
	<-s.done
	return nil
}

// Messages yields the subscription's messages in the order the server sent
// them: data messages and the stream kinds (keepalives and "closing" are
// handled inside). A reconnect yields (Message{}, ErrGap) and goes on; a
// frame that is not a message yields an error wrapping ErrInvalidMessage and
// goes on; a failure to reconnect yields that error and ends. It ends without
// an error when ctx (or the subscription's ctx) ends or Close was called.
// Call it from one goroutine at a time.
func (s *Subscription) Messages(ctx context.Context) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for {
			select {
			case <-ctx.Done():
				return
			case it, ok := <-s.out:
				if !ok {
					return
				}
				if !yield(it.m, it.err) || it.final {
					return
				}
			}
		}
	}
}

// reader reads frames from one connection until it fails.
type reader func(ctx context.Context, emit func(frame []byte) bool) error

func (s *Subscription) run(read reader) {
	defer close(s.done)
	defer close(s.out)
	for {
		err := read(s.ctx, s.emit)
		if s.ctx.Err() != nil {
			return
		}
		if s.o.MaxReconnects < 0 {
			s.send(item{err: fmt.Errorf("inngest: realtime: connection lost: %w", err), final: true})
			return
		}
		wait := s.o.Backoff
		var lastErr error
		read = nil
		for attempt := 0; attempt < s.o.MaxReconnects; attempt++ {
			t := time.NewTimer(wait)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if wait *= 2; wait > 5*time.Second {
				wait = 5 * time.Second
			}
			if read, lastErr = s.connect(s.ctx); lastErr == nil {
				break
			}
			if s.ctx.Err() != nil {
				return
			}
		}
		if read == nil {
			s.send(item{err: fmt.Errorf("inngest: realtime: reconnecting after %v: %w", err, lastErr), final: true})
			return
		}
		if !s.send(item{err: ErrGap}) {
			return
		}
	}
}

// send hands it to Messages, blocking while the buffer is full; false once
// the subscription ended.
func (s *Subscription) send(it item) bool {
	select {
	case s.out <- it:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// errReconnect ends a connection's reader on a "closing" message.
var errReconnect = errors.New("inngest: realtime: the server is closing the connection")

// emit decodes one frame; false stops the reader.
func (s *Subscription) emit(frame []byte) bool {
	m, err := DecodeMessage(frame)
	if err != nil {
		return s.send(item{err: err})
	}
	switch m.Kind {
	case KindPing:
		return true
	case KindClosing:
		return false
	}
	return s.send(item{m: m})
}

func (s *Subscription) token(ctx context.Context) (Token, error) {
	if s.o.Token != nil {
		return *s.o.Token, nil
	}
	return s.c.Token(ctx, s.channel, s.topics...)
}

// connect opens one connection and returns its reader.
func (s *Subscription) connect(ctx context.Context) (reader, error) {
	tok, err := s.token(ctx)
	if err != nil {
		return nil, err
	}
	if s.o.Transport == SSE {
		return s.connectSSE(ctx, tok)
	}
	return s.connectWS(ctx, tok)
}

func (s *Subscription) connectWS(ctx context.Context, tok Token) (reader, error) {
	u, err := url.Parse(s.c.cfg.APIBaseURL + "/v1/realtime/connect")
	if err != nil {
		return nil, fmt.Errorf("inngest: realtime: API base URL: %w", err)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok.Key)
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: s.c.httpClient(true), HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			var raw []byte
			if resp.Body != nil {
				raw, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			}
			return nil, inngest.NewAPIError(http.MethodGet, "/v1/realtime/connect", resp.StatusCode, raw)
		}
		return nil, fmt.Errorf("inngest: realtime: GET /v1/realtime/connect: %w", err)
	}
	conn.SetReadLimit(2 * MaxMessageSize)
	s.setConn(websocketCloser{conn})
	return func(ctx context.Context, emit func([]byte) bool) error {
		defer conn.CloseNow()
		for {
			typ, b, err := conn.Read(ctx)
			if err != nil {
				return err
			}
			if typ != websocket.MessageText {
				continue
			}
			if !emit(b) {
				return errReconnect
			}
		}
	}, nil
}

type websocketCloser struct{ c *websocket.Conn }

func (w websocketCloser) Close() error { return w.c.Close(websocket.StatusNormalClosure, "") }

func (s *Subscription) setConn(c io.Closer) {
	s.mu.Lock()
	s.conn = c
	s.mu.Unlock()
}

func (s *Subscription) connectSSE(ctx context.Context, tok Token) (reader, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.c.cfg.APIBaseURL+"/v1/realtime/sse", nil)
	if err != nil {
		return nil, fmt.Errorf("inngest: realtime: GET /v1/realtime/sse: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Key)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := s.c.httpClient(true).Do(req)
	if err != nil {
		return nil, fmt.Errorf("inngest: realtime: GET /v1/realtime/sse: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, inngest.NewAPIError(http.MethodGet, "/v1/realtime/sse", resp.StatusCode, raw)
	}
	s.setConn(resp.Body)
	return func(ctx context.Context, emit func([]byte) bool) error {
		defer resp.Body.Close()
		return ReadSSE(resp.Body, func(data []byte) bool { return emit(data) })
	}, nil
}

// ReadSSE reads server-sent events from r and calls event with each event's
// data (its data: lines joined by '\n'); comments and other fields are
// skipped. It returns when r ends (io.EOF is returned as
// io.ErrUnexpectedEOF: a subscription's stream does not end on its own),
// fails, or event returns false (nil). A line longer than 2*MaxMessageSize is
// an error.
func ReadSSE(r io.Reader, event func(data []byte) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 2*MaxMessageSize+64)
	var data bytes.Buffer
	has := false
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if has {
				if !event(bytes.Clone(data.Bytes())) {
					return nil
				}
				data.Reset()
				has = false
			}
		case line[0] == ':':
		case bytes.HasPrefix(line, []byte("data:")):
			v := bytes.TrimPrefix(line[5:], []byte(" "))
			if has {
				data.WriteByte('\n')
			}
			data.Write(v)
			has = true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// grants checks that tok covers channel and topics (as far as its Channel and
// Topics say: a token given without them is not checked here; the server
// delivers only what it grants either way).
func grants(tok Token, channel string, topics []string) error {
	if tok.Channel != "" && tok.Channel != channel {
		return fmt.Errorf("%w: the token is for channel %q, not %q", ErrInvalidTopic, tok.Channel, channel)
	}
	if len(tok.Topics) == 0 {
		return nil
	}
	for _, t := range topics {
		found := false
		for _, g := range tok.Topics {
			found = found || g == t
		}
		if !found {
			return fmt.Errorf("%w: the token does not grant topic %q", ErrInvalidTopic, t)
		}
	}
	return nil
}
