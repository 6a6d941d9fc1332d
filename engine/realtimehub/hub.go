package realtimehub

import (
	"context"
	"crypto/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	// DefaultQueueBytes bounds the bytes waiting for one subscriber.
	DefaultQueueBytes = 4 << 20
	// DefaultQueueLen bounds the frames waiting for one subscriber.
	DefaultQueueLen = 1024
	// DefaultKeepalive is the keepalive interval (the server's).
	DefaultKeepalive = 15 * time.Second
	// DefaultWriteTimeout bounds one write to a subscriber.
	DefaultWriteTimeout = 10 * time.Second
	// MaxMessageSize is the largest publish body (the server's cap).
	MaxMessageSize = 512 << 10
	// ChunkSize and MaxChunks bound a streamed publish, as the server does.
	ChunkSize = 1024
	MaxChunks = 1000
)

// The dev server's fixed account and environment ids, which it puts in its
// tokens and messages.
const (
	DevAccountID = "00000000-0000-4000-a000-000000000000"
	DevEnvID     = "00000000-0000-4000-b000-000000000000"
)

// Options configure a Hub. The zero value works: a random secret, no key
// checks, the dev server's ids and limits.
type Options struct {
	// Secret signs and checks subscription tokens. Default: 32 random bytes
	// (tokens do not survive a restart).
	Secret []byte
	// Authorized checks a publish or token request that carries no realtime
	// token (the signing key). Default: nil, every request is accepted, as
	// the dev server does.
	Authorized func(r *http.Request) bool
	// AccountID and EnvID go into tokens and messages. Default: the dev
	// server's fixed ids.
	AccountID, EnvID string
	// TokenLifetime is a minted token's lifetime. Default: 60 s.
	TokenLifetime time.Duration
	// QueueBytes and QueueLen bound what waits for one subscriber; a
	// subscriber that falls further behind is disconnected. Defaults:
	// DefaultQueueBytes, DefaultQueueLen.
	QueueBytes int
	QueueLen   int
	// Keepalive is the keepalive interval. Default: 15 s.
	Keepalive time.Duration
	// WriteTimeout bounds one write to a subscriber; a write that takes
	// longer disconnects it. Default: 10 s.
	WriteTimeout time.Duration
	// Now is the wall clock for token times. Default: time.Now.
	Now func() time.Time
}

// Hub is the engine's realtime broker: it holds the subscribers of each
// channel's topics and fans every published message out to them.
type Hub struct {
	o Options

	mu     sync.RWMutex
	topics map[topicKey]map[*subscriber]struct{}
	closed bool
	subs   map[*subscriber]struct{}

	slow atomic.Int64
}

type topicKey struct{ channel, name string }

// New returns a hub; it runs until ctx ends (then every subscriber is sent a
// closing message and disconnected) or Close.
func New(ctx context.Context, o Options) *Hub {
	if len(o.Secret) == 0 {
		o.Secret = make([]byte, 32)
		_, _ = rand.Read(o.Secret)
	}
	if o.AccountID == "" {
		o.AccountID = DevAccountID
	}
	if o.EnvID == "" {
		o.EnvID = DevEnvID
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.QueueLen <= 0 {
		o.QueueLen = DefaultQueueLen
	}
	if o.Keepalive <= 0 {
		o.Keepalive = DefaultKeepalive
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Hub{o: o, topics: map[topicKey]map[*subscriber]struct{}{}, subs: map[*subscriber]struct{}{}}
	context.AfterFunc(ctx, h.Close)
	return h
}

// SlowDisconnects returns how many subscribers were disconnected for falling
// behind.
func (h *Hub) SlowDisconnects() int64 { return h.slow.Load() }

// Subscribers returns how many subscribers are connected.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Close sends every subscriber a closing message and disconnects it; later
// subscribes fail.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	subs := h.subs
	h.subs = map[*subscriber]struct{}{}
	h.topics = map[topicKey]map[*subscriber]struct{}{}
	h.mu.Unlock()
	closing := mustJSON(message{Kind: KindClosing, CreatedAt: h.o.Now().UTC()})
	for s := range subs {
		s.enqueue(closing)
		s.shutdown(false)
	}
}

// add subscribes s to topics; false when the hub is closed.
func (h *Hub) add(s *subscriber, topics []Topic) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.subs[s] = struct{}{}
	for _, t := range topics {
		k := topicKey{t.Channel, t.Name}
		m := h.topics[k]
		if m == nil {
			m = map[*subscriber]struct{}{}
			h.topics[k] = m
		}
		m[s] = struct{}{}
		s.topics[k] = struct{}{}
	}
	return true
}

// unsubscribe removes s from topics.
func (h *Hub) unsubscribe(s *subscriber, topics []Topic) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range topics {
		k := topicKey{t.Channel, t.Name}
		h.removeLocked(s, k)
	}
}

func (h *Hub) removeLocked(s *subscriber, k topicKey) {
	if m := h.topics[k]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.topics, k)
		}
	}
	delete(s.topics, k)
}

// remove drops s from the hub.
func (h *Hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range s.topics {
		h.removeLocked(s, k)
	}
	delete(h.subs, s)
}

// fanout hands frame to every subscriber of channel/topic. The frame is
// encoded once and shared; a subscriber whose queue is full is disconnected.
func (h *Hub) fanout(channel, topic string, frame []byte) int {
	h.mu.RLock()
	m := h.topics[topicKey{channel, topic}]
	var slow []*subscriber
	n := 0
	for s := range m {
		if s.enqueue(frame) {
			n++
		} else {
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.slow.Add(1)
		s.shutdown(true)
	}
	return n
}
