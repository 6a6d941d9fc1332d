package realtimehub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"

	"github.com/coder/websocket"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Handler serves the realtime API under /v1/realtime/, with the server's
// routes, shapes and status codes:
//
//	POST /v1/realtime/token        mint a subscription token (201 {"jwt"})
//	POST /v1/realtime/publish      publish (200; text/stream: a datastream)
//	POST /v1/realtime/publish/tee  write raw bytes to a channel's $stream topic
//	GET  /v1/realtime/connect      subscribe over WebSocket
//	GET  /v1/realtime/sse          subscribe over server-sent events
//
// A subscription token is read from "Authorization: Bearer" or ?token=.
func (h *Hub) Handler() http.Handler {
	routes := map[string]struct {
		method string
		fn     http.HandlerFunc
	}{
		"/v1/realtime/token":       {http.MethodPost, h.handleToken},
		"/v1/realtime/publish":     {http.MethodPost, h.handlePublish},
		"/v1/realtime/publish/tee": {http.MethodPost, h.handleTee},
		"/v1/realtime/connect":     {http.MethodGet, h.handleConnect},
		"/v1/realtime/sse":         {http.MethodGet, h.handleSSE},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := routes[r.URL.Path]
		switch {
		case !ok:
			http.NotFound(w, r)
		case r.Method != rt.method:
			// The server answers 405 with an empty body.
			w.Header().Set("Allow", rt.method)
			w.WriteHeader(http.StatusMethodNotAllowed)
		default:
			rt.fn(w, r)
		}
	})
}

// errorBody is the server's JSON error body.
type errorBody struct {
	Error  string `json:"error"`
	Data   any    `json:"data"`
	Status int    `json:"status"`
}

// writeError writes the server's JSON error with contentType (the server
// sends some as text/plain).
func writeError(w http.ResponseWriter, status int, contentType, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set(wire.HeaderServerKind, wire.ServerKindDev)
	w.WriteHeader(status)
	_ = jsoncodec.NewEncoder(w).Encode(errorBody{Error: msg, Status: status})
}

const (
	appJSON   = "application/json"
	textPlain = "text/plain; charset=utf-8"
)

// claims returns the request's valid realtime token, if any.
func (h *Hub) claims(r *http.Request) (Claims, bool) {
	var key string
	if a := r.Header.Get("Authorization"); len(a) > 8 {
		key = a[7:]
	}
	if key == "" {
		key = r.URL.Query().Get("token")
	}
	if key == "" {
		return Claims{}, false
	}
	c, err := ParseToken(h.o.Secret, key, h.o.Now())
	return c, err == nil
}

func (h *Hub) keyOK(r *http.Request) bool {
	return h.o.Authorized == nil || h.o.Authorized(r)
}

func (h *Hub) handleToken(w http.ResponseWriter, r *http.Request) {
	if !h.keyOK(r) {
		writeError(w, http.StatusUnauthorized, appJSON, "Not authenticated")
		return
	}
	var topics []Topic
	if err := jsoncodec.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&topics); err != nil {
		writeError(w, http.StatusBadRequest, appJSON, "Invalid request: must provide a list of topics")
		return
	}
	for i := range topics {
		topics[i].EnvID = h.o.EnvID
	}
	tok, err := h.Mint(topics, false)
	if err != nil {
		writeError(w, http.StatusInternalServerError, appJSON, "Error creating JWT.  Please try again")
		return
	}
	w.Header().Set("Content-Type", appJSON)
	w.Header().Set(wire.HeaderServerKind, wire.ServerKindDev)
	w.WriteHeader(http.StatusCreated)
	_ = jsoncodec.NewEncoder(w).Encode(map[string]string{"jwt": tok})
}

// Mint signs a token for topics (publish: may it publish).
func (h *Hub) Mint(topics []Topic, publish bool) (string, error) {
	now := h.o.Now()
	ids, err := wire.EventIDsFromSeed(wire.NewEventIDSeed(now), 1)
	if err != nil {
		return "", err
	}
	if topics == nil {
		topics = []Topic{}
	}
	return signToken(h.o.Secret, Claims{Issuer: Issuer, Subject: h.o.AccountID, ExpiresAt: now.Add(h.o.TokenLifetime).Unix(),
		IssuedAt: now.Unix(), ID: ids[0], Env: h.o.EnvID, Topics: topics, Publish: publish})
}

// publishAuth checks a publish: a realtime token must have the publish
// claim; without one, the signing key decides.
func (h *Hub) publishAuth(w http.ResponseWriter, r *http.Request) bool {
	if c, ok := h.claims(r); ok {
		if !c.Publish {
			writeError(w, http.StatusUnauthorized, textPlain, "Not authenticated for publishing")
			return false
		}
		return true
	}
	if !h.keyOK(r) {
		writeError(w, http.StatusUnauthorized, textPlain, "Not authenticated")
		return false
	}
	return true
}

func (h *Hub) handlePublish(w http.ResponseWriter, r *http.Request) {
	if !h.publishAuth(w, r) {
		return
	}
	q := r.URL.Query()
	msg := message{Kind: KindData, Channel: q.Get("channel"), Topic: q.Get("topic"), EnvID: h.o.EnvID, CreatedAt: h.o.Now().UTC()}
	if id := q.Get("run_id"); id != "" {
		if _, err := wire.ULIDTime(id); err == nil {
			msg.RunID = strings.ToUpper(id)
		}
	}
	if md := q.Get("metadata"); md != "" {
		if !jsoncodec.Valid([]byte(md)) {
			http.Error(w, "metadata must be JSON", http.StatusBadRequest)
			return
		}
		msg.Metadata = json.RawMessage(md)
	}
	if r.Header.Get("Content-Type") == "text/stream" {
		h.publishStream(w, r, msg)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxMessageSize+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > MaxMessageSize {
		writeError(w, http.StatusRequestEntityTooLarge, appJSON, "message too large: the limit is 524288 bytes")
		return
	}
	if jsoncodec.Valid(body) {
		msg.Data = body
	} else {
		msg.Data, _ = jsoncodec.Marshal(string(body))
	}
	h.Publish(msg.Channel, msg.Topic, mustJSON(msg))
}

// Publish fans frame (an encoded message) out to channel/topic's
// subscribers and returns how many took it.
func (h *Hub) Publish(channel, topic string, frame []byte) int {
	return h.fanout(channel, topic, frame)
}

// PublishData publishes data (JSON) as a data message, as a publish request
// would, and returns how many subscribers took it.
func (h *Hub) PublishData(channel, topic string, data json.RawMessage) int {
	return h.fanout(channel, topic, mustJSON(message{Kind: KindData, Channel: channel, Topic: topic, EnvID: h.o.EnvID, CreatedAt: h.o.Now().UTC(), Data: data}))
}

func (h *Hub) publishStream(w http.ResponseWriter, r *http.Request, msg message) {
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	msg.Kind = KindDataStreamStart
	msg.Data, _ = jsoncodec.Marshal(id)
	h.fanout(msg.Channel, msg.Topic, mustJSON(msg))
	defer func() {
		msg.Kind = KindDataStreamEnd
		h.fanout(msg.Channel, msg.Topic, mustJSON(msg))
	}()
	buf := make([]byte, ChunkSize)
	for range MaxChunks {
		n, err := io.ReadFull(r.Body, buf)
		if n > 0 {
			h.fanout(msg.Channel, msg.Topic, mustJSON(chunk{Kind: KindChunk, StreamID: id, Data: string(buf[:n]), RunID: msg.RunID}))
		}
		if err != nil {
			return
		}
	}
}

func (h *Hub) handleTee(w http.ResponseWriter, r *http.Request) {
	if !h.publishAuth(w, r) {
		return
	}
	channel := r.URL.Query().Get("channel")
	if channel == "" {
		http.Error(w, "channel query parameter required", http.StatusBadRequest)
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxChunks*ChunkSize)
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			h.fanout(channel, TopicStream, append([]byte(nil), buf[:n]...))
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			http.Error(w, "Error forwarding data", http.StatusInternalServerError)
			return
		}
	}
}

func (h *Hub) handleSSE(w http.ResponseWriter, r *http.Request) {
	c, ok := h.claims(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, appJSON, "Not authenticated")
		return
	}
	rc := http.NewResponseController(w)
	sc := &sseConn{w: w, rc: rc, timeout: h.o.WriteTimeout}
	s := newSubscriber(h, sc)
	if !h.add(s, c.Topics) {
		http.Error(w, "error subscribing to topics", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", "Content-Type")
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	stop := context.AfterFunc(r.Context(), func() { s.shutdown(false) })
	defer stop()
	// The server sends no keepalive (and nothing) to a token with no topics.
	s.run(len(c.Topics) > 0)
}

type sseConn struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (c *sseConn) write(frame []byte) error {
	_ = c.rc.SetWriteDeadline(time.Now().Add(c.timeout))
	var err error
	if len(frame) > 0 && frame[0] == '{' {
		_, err = c.w.Write(append(append([]byte("data: "), frame...), '\n', '\n'))
	} else {
		_, err = c.w.Write(frame) // tee: raw bytes as they came
	}
	if err != nil {
		return err
	}
	return c.rc.Flush()
}

func (c *sseConn) keepalive() error {
	_ = c.rc.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.w.Write([]byte(":\n\n")); err != nil {
		return err
	}
	return c.rc.Flush()
}

func (c *sseConn) close(bool) {}

func (h *Hub) handleConnect(w http.ResponseWriter, r *http.Request) {
	c, ok := h.claims(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, appJSON, "Not authenticated")
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	wc := &wsConn{ctx: ctx, timeout: h.o.WriteTimeout}
	s := newSubscriber(h, wc)
	// Subscribed before the upgrade answers (the server subscribes after):
	// once the client sees 101, nothing published is missed. Frames queue
	// until the writer runs.
	if !h.add(s, c.Topics) {
		http.Error(w, "error subscribing to topics", http.StatusInternalServerError)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		h.remove(s)
		return // Accept answered the request
	}
	ws.SetReadLimit(64 << 10)
	wc.ws = ws
	go h.readClient(ctx, s, ws)
	s.run(false)
	cancel()
}

// readClient handles a WebSocket subscriber's frames: "sub" with a token
// adds the token's topics, "unsub" with a list of topics removes them;
// anything else is ignored, as the server does.
func (h *Hub) readClient(ctx context.Context, s *subscriber, ws *websocket.Conn) {
	defer s.shutdown(false)
	for {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		h.clientFrame(s, b)
	}
}

// clientFrame applies one client frame; it never panics on any input.
func (h *Hub) clientFrame(s *subscriber, b []byte) {
	var f clientFrame
	if jsoncodec.Unmarshal(b, &f) != nil {
		return
	}
	switch f.Kind {
	case KindSubscribe:
		var tok string
		if jsoncodec.Unmarshal(f.Data, &tok) != nil {
			return
		}
		c, err := ParseToken(h.o.Secret, tok, h.o.Now())
		if err != nil {
			return
		}
		h.add(s, c.Topics)
	case KindUnsubscribe:
		var topics []Topic
		if jsoncodec.Unmarshal(f.Data, &topics) != nil {
			return
		}
		h.unsubscribe(s, topics)
	}
}

type wsConn struct {
	ws      *websocket.Conn
	ctx     context.Context
	timeout time.Duration
}

func (c *wsConn) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

func (c *wsConn) keepalive() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	return c.ws.Ping(ctx)
}

func (c *wsConn) close(slow bool) {
	if slow {
		_ = c.ws.Close(websocket.StatusTryAgainLater, "slow subscriber")
		return
	}
	_ = c.ws.Close(websocket.StatusNormalClosure, KindClosing)
}
