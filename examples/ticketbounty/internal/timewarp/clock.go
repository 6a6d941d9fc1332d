package timewarp

import (
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Clock is real time plus an offset that only FastForward changes. It
// implements engine.Clock. The zero value is ready to use.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	timers map[*timer]struct{}
}

var _ engine.Clock = (*Clock)(nil)

// Now returns the wall clock plus every fast-forward so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Offset returns the total fast-forward so far.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// NewTimer returns a timer firing after d of real time, or earlier if a
// FastForward moves the clock past its deadline.
func (c *Clock) NewTimer(d time.Duration) engine.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timers == nil {
		c.timers = map[*timer]struct{}{}
	}
	t := &timer{c: c, at: time.Now().Add(c.offset + d), ch: make(chan time.Time, 1)}
	c.timers[t] = struct{}{}
	t.real = time.AfterFunc(max(d, 0), t.fire)
	return t
}

// FastForward moves the clock d ahead and fires every timer now due.
func (c *Clock) FastForward(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	now := time.Now().Add(c.offset)
	var due []*timer
	for t := range c.timers {
		if !t.at.After(now) {
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		t.real.Stop()
		t.fire()
	}
}

type timer struct {
	c    *Clock
	at   time.Time
	ch   chan time.Time
	real *time.Timer
}

func (t *timer) C() <-chan time.Time { return t.ch }

// Stop reports whether the timer was still pending.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	_, pending := t.c.timers[t]
	delete(t.c.timers, t)
	t.c.mu.Unlock()
	t.real.Stop()
	return pending
}

// fire delivers the clock's time once.
func (t *timer) fire() {
	t.c.mu.Lock()
	_, pending := t.c.timers[t]
	delete(t.c.timers, t)
	now := time.Now().Add(t.c.offset)
	t.c.mu.Unlock()
	if pending {
		t.ch <- now
	}
}

// Advance is FastForward; with it the engine's web UI shows the clock as
// one it can move forward, and its Advance button calls it.
func (c *Clock) Advance(d time.Duration) { c.FastForward(d) }
