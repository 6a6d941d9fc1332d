package realtimehub

import (
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// conn is one subscriber's transport.
type conn interface {
	// write sends one frame; keepalive sends a keepalive.
	write(frame []byte) error
	keepalive() error
	// close ends the connection; slow says it is for falling behind.
	close(slow bool)
}

// subscriber is one connection: a bounded queue of frames drained by its
// writer goroutine.
type subscriber struct {
	h      *Hub
	c      conn
	topics map[topicKey]struct{} // guarded by h.mu

	mu     sync.Mutex
	queue  [][]byte
	bytes  int
	ended  bool
	wake   chan struct{}
	done   chan struct{}
	reason bool // slow
}

func newSubscriber(h *Hub, c conn) *subscriber {
	return &subscriber{h: h, c: c, topics: map[topicKey]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// enqueue queues frame; false when the queue is over its bounds (the
// subscriber is too slow) or the subscriber ended.
func (s *subscriber) enqueue(frame []byte) bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return true // already going; not a slow subscriber
	}
	if len(s.queue) >= s.h.o.QueueLen || s.bytes+len(frame) > s.h.o.QueueBytes {
		s.mu.Unlock()
		return false
	}
	s.queue = append(s.queue, frame)
	s.bytes += len(frame)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

// shutdown ends the subscriber: the writer sends what is queued (unless
// slow, then it drops it) and closes the connection.
func (s *subscriber) shutdown(slow bool) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.reason = slow
	if slow {
		s.queue, s.bytes = nil, 0
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run writes queued frames and keepalives until the subscriber ends or a
// write fails; it then removes the subscriber and closes the connection.
// keepaliveNow sends one keepalive first (SSE does, the WebSocket does not).
func (s *subscriber) run(keepaliveNow bool) {
	defer close(s.done)
	defer s.h.remove(s)
	t := time.NewTicker(s.h.o.Keepalive)
	defer t.Stop()
	if keepaliveNow {
		if err := s.c.keepalive(); err != nil {
			s.c.close(false)
			return
		}
	}
	var spare [][]byte // the queue's other buffer: the two swap, so queuing allocates nothing once warm
	for {
		s.mu.Lock()
		q := s.queue
		s.queue, s.bytes = spare[:0], 0
		ended, slow := s.ended, s.reason
		s.mu.Unlock()
		for _, f := range q {
			if err := s.c.write(f); err != nil {
				s.c.close(false)
				return
			}
		}
		clear(q) // drop the frames: the buffer is kept, the frames are not
		spare = q
		if ended {
			s.mu.Lock()
			rest := len(s.queue)
			s.mu.Unlock()
			if rest == 0 || slow {
				s.c.close(slow)
				return
			}
			continue
		}
		select {
		case <-s.wake:
		case <-t.C:
			if err := s.c.keepalive(); err != nil {
				s.c.close(false)
				return
			}
		}
	}
}

func mustJSON(v any) []byte {
	b, err := jsoncodec.Marshal(v)
	if err != nil {
		panic(err) // only our own types, which always encode
	}
	return b
}
