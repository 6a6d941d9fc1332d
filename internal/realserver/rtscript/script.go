// Package rtscript is the realtime script that recorded the real Inngest dev
// server's realtime API into testdata/realtime and that the engine's tests
// replay: the same requests, the same subscribers, the same normalisation, so
// a recording and a replay compare with require.Equal.
//
// It talks raw HTTP and WebSocket (no SDK code), so what it records is the
// server's wire behaviour and nothing of this module's clients.
package rtscript

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Recording is one run of the script.
type Recording struct {
	About     string         `json:"about"`
	Server    Server         `json:"server"`
	Exchanges []Exchange     `json:"exchanges"`
	Subs      []Subscription `json:"subscriptions"`
}

// Server says what was recorded.
type Server struct {
	Kind   string `json:"kind"`
	Commit string `json:"commit"`
}

// Exchange is one HTTP request and the server's answer, normalised.
type Exchange struct {
	Name        string          `json:"name"`
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Query       string          `json:"query,omitempty"`
	Auth        string          `json:"auth,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	Body        string          `json:"body,omitempty"`
	Status      int             `json:"status"`
	RespType    string          `json:"response_content_type,omitempty"`
	Response    json.RawMessage `json:"response,omitempty"`
}

// Subscription is one subscriber and every frame it saw, in order.
type Subscription struct {
	Name      string   `json:"name"`
	Transport string   `json:"transport"` // "ws" or "sse"
	Auth      string   `json:"auth"`      // "query" or "header"
	Channel   string   `json:"channel"`
	Topics    []string `json:"topics"`
	// Status is the HTTP status of the subscribe request (101 for an upgraded
	// WebSocket).
	Status int `json:"status"`
	// Frames are the messages seen: each WebSocket text frame or SSE data
	// event as normalised JSON; an SSE comment (keepalive) is the string ":".
	Frames []json.RawMessage `json:"frames"`
	// Close is how a WebSocket ended ("" while open at the end).
	Close string `json:"close,omitempty"`
}

// Options are what differs between the real server and the engine.
type Options struct {
	// Base is the server's API origin, e.g. http://127.0.0.1:9130.
	Base string
	// Key is sent as Bearer on publish and token requests ("" sends none:
	// the dev server does not check keys).
	Key string
	// HTTP is the client used; default http.DefaultClient.
	HTTP *http.Client
}

const (
	// Channel is the channel the script publishes on.
	Channel = "rt-rec"
	// Other is a channel nobody publishes on.
	Other = "rt-other"
)

type runner struct {
	o       Options
	lastJWT string
	rec     *Recording
	subs    []*subscriber
}

// Run runs the script against o.Base and returns what it saw.
func Run(ctx context.Context, o Options) (*Recording, error) {
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	r := &runner{o: o, rec: &Recording{About: "the realtime API: token, publish (JSON, text, stream, tee, oversized, hostile), WebSocket and SSE subscribers with query and header tokens, a WebSocket sub message, and what each subscriber saw"}}
	defer r.closeAll()

	// Tokens.
	tok, err := r.token(ctx, "token", Channel, []string{"status", "tokens"})
	if err != nil {
		return nil, err
	}
	streamTok, err := r.token(ctx, "token-$stream", Channel, []string{"$stream"})
	if err != nil {
		return nil, err
	}
	r.exchange(ctx, "token-bad-json", http.MethodPost, "/v1/realtime/token", "", "application/json", "nope", r.o.Key)
	r.exchange(ctx, "token-object", http.MethodPost, "/v1/realtime/token", "", "application/json", `{"channel":"x"}`, r.o.Key)
	r.exchange(ctx, "token-empty-list", http.MethodPost, "/v1/realtime/token", "", "application/json", `[]`, r.o.Key)
	emptyTok := r.lastJWT
	otherTok, err := r.token(ctx, "token-other", Other, []string{"status"})
	if err != nil {
		return nil, err
	}
	extraTok, err := r.token(ctx, "token-extra", Channel, []string{"extra"})
	if err != nil {
		return nil, err
	}

	// Hostile subscribes.
	r.exchange(ctx, "sse-no-token", http.MethodGet, "/v1/realtime/sse", "", "", "", "")
	r.exchange(ctx, "sse-malformed-token", http.MethodGet, "/v1/realtime/sse", "token=not.a.jwt", "", "", "")
	r.exchange(ctx, "sse-forged-token", http.MethodGet, "/v1/realtime/sse", "token="+Forge(tok), "", "", "")
	r.rec.Exchanges[len(r.rec.Exchanges)-1].Query = "token=<the token above, signature replaced>"
	r.exchange(ctx, "ws-no-token", http.MethodGet, "/v1/realtime/connect", "", "", "", "")

	// Subscribers.
	for _, s := range []struct {
		name, transport, auth, channel, token string
		topics                                []string
	}{
		{"ws-query", "ws", "query", Channel, tok, []string{"status", "tokens"}},
		{"ws-header", "ws", "header", Channel, tok, []string{"status", "tokens"}},
		{"sse-query", "sse", "query", Channel, tok, []string{"status", "tokens"}},
		{"sse-header", "sse", "header", Channel, tok, []string{"status", "tokens"}},
		{"sse-$stream", "sse", "query", Channel, streamTok, []string{"$stream"}},
		{"ws-other", "ws", "query", Other, otherTok, []string{"status"}},
		{"sse-no-topics", "sse", "query", Channel, emptyTok, []string{}},
	} {
		sub, err := r.subscribe(ctx, s.name, s.transport, s.auth, s.channel, s.token, s.topics)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		r.subs = append(r.subs, sub)
	}
	time.Sleep(500 * time.Millisecond) // a WebSocket subscribes after the upgrade

	// The WebSocket "sub" message adds the extra topic to ws-query.
	subMsg, _ := json.Marshal(map[string]any{"kind": "sub", "data": extraTok})
	if err := r.subs[0].ws.Write(ctx, websocket.MessageText, subMsg); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)

	q := func(topic string, extra ...string) string {
		v := url.Values{"channel": {Channel}, "topic": {topic}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v.Encode()
	}
	pub := "/v1/realtime/publish"
	r.exchange(ctx, "publish-json", http.MethodPost, pub, q("status"), "application/json", `{"stage":"validated","n":1}`, r.o.Key)
	r.exchange(ctx, "publish-text", http.MethodPost, pub, q("status"), "text/plain", "hello world", r.o.Key)
	r.exchange(ctx, "publish-run-metadata", http.MethodPost, pub, q("status", "run_id", "01KBZ0000000000000000000RT", "metadata", `{"content-type":"application/json"}`), "application/json", `"with run"`, r.o.Key)
	r.exchange(ctx, "publish-ungranted-topic", http.MethodPost, pub, q("secret"), "application/json", `{"hidden":true}`, r.o.Key)
	r.exchange(ctx, "publish-extra-topic", http.MethodPost, pub, q("extra"), "application/json", `{"extra":true}`, r.o.Key)
	r.exchange(ctx, "publish-other-channel", http.MethodPost, pub, url.Values{"channel": {Other}, "topic": {"status"}}.Encode(), "application/json", `{"other":true}`, r.o.Key)
	r.exchange(ctx, "publish-stream", http.MethodPost, pub, q("tokens"), "text/stream", strings.Repeat("a", 1024)+strings.Repeat("b", 1024)+strings.Repeat("c", 100), r.o.Key)
	big := `"` + strings.Repeat("x", 600*1024) + `"`
	r.exchange(ctx, "publish-oversized", http.MethodPost, pub, q("status"), "application/json", big, r.o.Key)
	r.exchange(ctx, "publish-no-channel", http.MethodPost, pub, "topic=status", "application/json", `{"nochannel":true}`, r.o.Key)
	r.exchange(ctx, "publish-subscription-token", http.MethodPost, pub, q("status"), "application/json", `{"by":"subscriber"}`, tok)
	r.exchange(ctx, "tee", http.MethodPost, "/v1/realtime/publish/tee", "channel="+Channel, "text/plain", "data: raw sse line\n\n", r.o.Key)
	r.exchange(ctx, "tee-no-channel", http.MethodPost, "/v1/realtime/publish/tee", "", "text/plain", "x", r.o.Key)
	r.exchange(ctx, "publish-get", http.MethodGet, pub, q("status"), "", "", r.o.Key)
	time.Sleep(time.Second)
	r.closeAll()
	for _, s := range r.subs {
		r.rec.Subs = append(r.rec.Subs, s.result())
	}
	return r.rec, nil
}

func (r *runner) closeAll() {
	for _, s := range r.subs {
		s.close()
	}
}

func (r *runner) token(ctx context.Context, name, channel string, topics []string) (string, error) {
	type topic struct {
		Kind    string `json:"kind"`
		Channel string `json:"channel"`
		Name    string `json:"name"`
	}
	var body []topic
	for _, t := range topics {
		body = append(body, topic{"run", channel, t})
	}
	raw, _ := json.Marshal(body)
	r.exchange(ctx, name, http.MethodPost, "/v1/realtime/token", "", "application/json", string(raw), r.o.Key)
	if r.lastJWT == "" {
		return "", fmt.Errorf("%s: no jwt in the answer", name)
	}
	return r.lastJWT, nil
}

func (r *runner) exchange(ctx context.Context, name, method, path, query, ctype, body, key string) {
	r.lastJWT = ""
	u := r.o.Base + path
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ex := Exchange{Name: name, Method: method, Path: path, Query: query, ContentType: ctype, Body: body}
	if len(body) > 4096 {
		ex.Body = fmt.Sprintf("<%d bytes>", len(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		ex.Status = -1
		r.rec.Exchanges = append(r.rec.Exchanges, ex)
		return
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
		ex.Auth = "bearer"
		if strings.Count(key, ".") == 2 {
			ex.Auth = "bearer subscription-token"
		}
	}
	resp, err := r.o.HTTP.Do(req)
	if err != nil {
		ex.Status = -1
		r.rec.Exchanges = append(r.rec.Exchanges, ex)
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.RespType = resp.Header.Get("Content-Type")
	ex.Response = r.normaliseBody(raw)
	r.rec.Exchanges = append(r.rec.Exchanges, ex)
}

func (r *runner) normaliseBody(raw []byte) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		if jwt, ok := obj["jwt"].(string); ok {
			r.lastJWT = jwt
			obj["jwt"] = DescribeJWT(jwt)
		}
		b, _ := json.Marshal(obj)
		return b
	}
	b, _ := json.Marshal(string(raw))
	return b
}

// DescribeJWT replaces a token by what does not change between runs: its
// header, its claims with the times and id replaced by their shape, and the
// lifetime in seconds.
func DescribeJWT(tok string) map[string]any {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return map[string]any{"malformed": tok}
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	h, c := dec(parts[0]), dec(parts[1])
	out := map[string]any{"header": h}
	if c != nil {
		exp, _ := c["exp"].(float64)
		iat, _ := c["iat"].(float64)
		out["lifetime_s"] = exp - iat
		for _, k := range []string{"exp", "iat"} {
			if _, ok := c[k]; ok {
				c[k] = "<unix seconds>"
			}
		}
		if jti, ok := c["jti"].(string); ok && len(jti) == 26 {
			c["jti"] = "<ulid>"
		}
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out["claim_keys"] = keys
		out["claims"] = c
	}
	return out
}

// Forge returns tok with its signature replaced: a token the server did not
// sign.
func Forge(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return tok
	}
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString([]byte("not the server's signature......"))
}

// subscriber is one open WebSocket or SSE subscription recording its frames.
type subscriber struct {
	desc   Subscription
	ws     *websocket.Conn
	body   io.Closer
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	frames  []json.RawMessage
	close_  string
	closing bool
	// streams maps server stream ids to stable names.
	streams map[string]string
}

func (r *runner) subscribe(ctx context.Context, name, transport, auth, channel, tok string, topics []string) (*subscriber, error) {
	s := &subscriber{desc: Subscription{Name: name, Transport: transport, Auth: auth, Channel: channel, Topics: topics}, done: make(chan struct{}), streams: map[string]string{}}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	path := "/v1/realtime/sse"
	if transport == "ws" {
		path = "/v1/realtime/connect"
	}
	u := r.o.Base + path
	h := http.Header{}
	if auth == "query" {
		u += "?token=" + url.QueryEscape(tok)
	} else {
		h.Set("Authorization", "Bearer "+tok)
	}
	if transport == "ws" {
		c, resp, err := websocket.Dial(sctx, strings.Replace(u, "http", "ws", 1), &websocket.DialOptions{HTTPHeader: h, HTTPClient: r.o.HTTP})
		if err != nil {
			cancel()
			return nil, err
		}
		c.SetReadLimit(4 << 20)
		s.desc.Status = resp.StatusCode
		s.ws = c
		go s.readWS(sctx)
		return s, nil
	}
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, u, nil)
	req.Header = h
	resp, err := r.o.HTTP.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	s.desc.Status = resp.StatusCode
	s.body = resp.Body
	go s.readSSE(resp.Body)
	return s, nil
}

func (s *subscriber) readWS(ctx context.Context) {
	defer close(s.done)
	for {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			s.mu.Lock()
			if st := websocket.CloseStatus(err); st != -1 && !s.closing {
				s.close_ = fmt.Sprintf("%d", st)
			}
			s.mu.Unlock()
			return
		}
		s.add(b)
	}
}

func (s *subscriber) readSSE(body io.Reader) {
	defer close(s.done)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				s.add([]byte(strings.Join(data, "\n")))
				data = nil
			}
		case strings.HasPrefix(line, ":"):
			s.addRaw(json.RawMessage(`":"`))
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(line, "data:"))
		}
	}
}

func (s *subscriber) addRaw(b json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Keepalive comments arrive on a timer: keep only the first in a row.
	if len(s.frames) > 0 && string(s.frames[len(s.frames)-1]) == `":"` && string(b) == `":"` {
		return
	}
	s.frames = append(s.frames, b)
}

func (s *subscriber) add(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, s.normaliseFrame(b))
}

// normaliseFrame replaces times and stream ids by stable values and large
// data by its length.
func (s *subscriber) normaliseFrame(b []byte) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		out, _ := json.Marshal(map[string]any{"raw": string(b)})
		return out
	}
	if _, ok := m["created_at"]; ok {
		m["created_at"] = "<time>"
	}
	kind, _ := m["kind"].(string)
	stream := func(id string) string {
		if n, ok := s.streams[id]; ok {
			return n
		}
		n := fmt.Sprintf("<stream %d>", len(s.streams)+1)
		s.streams[id] = n
		return n
	}
	switch kind {
	case "datastream-start", "datastream-end":
		if id, ok := m["data"].(string); ok {
			m["data"] = stream(id)
		}
	case "chunk":
		if id, ok := m["stream_id"].(string); ok {
			m["stream_id"] = stream(id)
		}
	}
	if d, ok := m["data"].(string); ok && len(d) > 4096 {
		m["data"] = fmt.Sprintf("<string of %d bytes>", len(d))
	}
	out, _ := json.Marshal(m)
	return out
}

func (s *subscriber) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	if s.ws != nil {
		_ = s.ws.Close(websocket.StatusNormalClosure, "")
	}
	if s.body != nil {
		_ = s.body.Close()
	}
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
	}
}

func (s *subscriber) result() Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.desc
	d.Frames = append([]json.RawMessage{}, s.frames...)
	if d.Frames == nil {
		d.Frames = []json.RawMessage{}
	}
	d.Close = s.close_
	return d
}
