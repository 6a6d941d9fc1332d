package engine

import (
	"sort"
	"sync"
	"time"
)

// Clock is the engine's source of time. Every durable timer (sleeps, wait and
// invoke timeouts, retries, debounce, batching, cron, throttling) is measured on
// it, so a VirtualClock lets tests pass days in microseconds.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once the clock has passed d from now.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer created by a Clock.
type Timer interface {
	// C receives the clock's time once the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was still pending.
	Stop() bool
}

// RealClock is the wall clock. Its zero value is ready to use.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// virtualClock is what the scheduler needs of a VirtualClock; a clock that embeds
// *VirtualClock satisfies it too.
type virtualClock interface {
	Clock
	AutoAdvance() bool
	Set(t time.Time)
	subscribe() (<-chan struct{}, func())
}

// VirtualClock is a manually driven clock for tests. Time moves only through
// Advance and Set or, when auto-advance is on, by the engine itself: whenever
// no HTTP call is in flight and no work is ready, the engine jumps the clock to
// its next timer, so a 7-day sleep passes at once.
//
// Typical use:
//
//	clk := engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	clk.SetAutoAdvance(true) // all inputs are sent up front; let timers fire at once
//	eng, _ := engine.New(engine.Options{Clock: clk})
//
// Leave auto-advance off when the test itself must act while a run waits (for
// example, sending the event a step.WaitForEvent is waiting for before its
// timeout): then call Advance once the test has done its part.
type VirtualClock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	waiters []*virtualTimer
	notify  []chan struct{}
}

// NewVirtualClock returns a virtual clock reading start; auto-advance is off.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start}
}

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// SetAutoAdvance turns auto-advance on or off (see VirtualClock).
func (c *VirtualClock) SetAutoAdvance(on bool) {
	c.mu.Lock()
	c.auto = on
	subs := c.notify
	c.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// AutoAdvance reports whether auto-advance is on.
func (c *VirtualClock) AutoAdvance() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.auto
}

// Advance moves the clock forward by d and fires every timer now due.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	t := c.now.Add(d)
	c.mu.Unlock()
	c.Set(t)
}

// Set moves the clock to t (never backwards) and fires every timer now due.
func (c *VirtualClock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	now := c.now
	var keep []*virtualTimer
	var fire []*virtualTimer
	for _, w := range c.waiters {
		if !w.at.After(now) {
			fire = append(fire, w)
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	subs := c.notify
	c.mu.Unlock()
	sort.Slice(fire, func(i, j int) bool { return fire[i].at.Before(fire[j].at) })
	for _, w := range fire {
		w.ch <- now // buffered, capacity 1, fires once
	}
	// Wake subscribers so that a scheduler that computed its next timer from a time
	// read before this move recomputes it (otherwise its timer would be armed late).
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// NewTimer returns a timer that fires when the virtual time reaches now+d.
func (c *VirtualClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	w := &virtualTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		now := c.now
		c.mu.Unlock()
		w.ch <- now
		return w
	}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	return w
}

// subscribe returns a channel poked when auto-advance is toggled or time
// moves, and a function that releases it.
func (c *VirtualClock) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.notify = append(c.notify, ch)
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.notify {
			if x == ch {
				c.notify = append(c.notify[:i:i], c.notify[i+1:]...)
				return
			}
		}
	}
}

type virtualTimer struct {
	c  *VirtualClock
	at time.Time
	ch chan time.Time
}

func (w *virtualTimer) C() <-chan time.Time { return w.ch }

func (w *virtualTimer) Stop() bool {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	for i, x := range w.c.waiters {
		if x == w {
			w.c.waiters = append(w.c.waiters[:i], w.c.waiters[i+1:]...)
			return true
		}
	}
	return false
}
