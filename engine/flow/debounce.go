package flow

import (
	"sync"
	"time"
)

// DebounceDelay is how long after a series stops taking events its run
// starts: the server enqueues the debounce job 50 ms plus 1 s after the
// debounce's key expires.
const DebounceDelay = time.Second + 50*time.Millisecond

// Debounce delays a run until Period has passed since the last event for a
// key, and then starts it with only that last event, as the server does: a
// series takes events until Period after its last one (its key expires), and
// its run starts DebounceDelay later; an event in between starts a new
// series. A Timeout, when set, caps how long a series takes events, measured
// from its first event, to whole seconds (at least 1 s after each event).
type Debounce[E any] struct {
	mu      sync.Mutex
	period  time.Duration
	timeout time.Duration
	seq     uint64
	pending map[string]*debounceEntry[E]
	fired   []debounceEntry[E] // overdue entries displaced by a newer series
}

type debounceEntry[E any] struct {
	key    string
	ev     E
	first  time.Time
	open   time.Time // the series takes events until then
	fireAt time.Time
	seq    uint64
}

func (e *debounceEntry[E]) at() (time.Time, uint64) { return e.fireAt, e.seq }

// DebounceFire is a debounced run that is due: start it with Event.
type DebounceFire[E any] struct {
	Key    string
	Event  E
	First  time.Time // when the series began
	FireAt time.Time
}

// NewDebounce returns a debouncer with the given period and optional
// timeout (zero or less: no cap). It does not validate (engine/validate.go does, at registration).
func NewDebounce[E any](period, timeout time.Duration) *Debounce[E] {
	return &Debounce[E]{period: max(period, 0), timeout: max(timeout, 0), pending: make(map[string]*debounceEntry[E])}
}

// Add records ev as the latest event for key at now and returns when the
// debounced run will fire. If the key's series no longer takes events at now
// (but has not fired yet), that series keeps its own event and fires as it
// was; ev starts a new series.
func (d *Debounce[E]) Add(key string, ev E, now time.Time) (fireAt time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.pending[key]
	if ok && !now.Before(e.open) {
		d.fired = append(d.fired, *e)
		ok = false
	}
	ttl := d.period
	if !ok {
		d.seq++
		e = &debounceEntry[E]{key: key, first: now, seq: d.seq}
		d.pending[key] = e
		if d.timeout > 0 && ttl > d.timeout {
			ttl = max(d.timeout.Round(time.Second), time.Second)
		}
	} else if d.timeout > 0 {
		// The server shortens the wait to the whole seconds left before the
		// timeout, but never below one second.
		if limit := e.first.Add(d.timeout); now.Add(ttl).After(limit) {
			ttl = max(limit.Sub(now).Truncate(time.Second), time.Second)
		}
	}
	e.ev = ev
	e.open = now.Add(ttl)
	e.fireAt = e.open.Add(DebounceDelay)
	return e.fireAt
}

// Due removes and returns the series whose fire time is at or before now,
// ordered by fire time (ties in the order the series began).
func (d *Debounce[E]) Due(now time.Time) []DebounceFire[E] {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ready, later []debounceEntry[E]
	for _, e := range d.fired {
		if e.fireAt.After(now) {
			later = append(later, e)
		} else {
			ready = append(ready, e)
		}
	}
	due := takeDue(d.pending, ready, now, (*debounceEntry[E]).at)
	d.fired = later
	if len(due) == 0 {
		return nil
	}
	out := make([]DebounceFire[E], len(due))
	for i, e := range due {
		out[i] = DebounceFire[E]{Key: e.key, Event: e.ev, First: e.first, FireAt: e.fireAt}
	}
	return out
}

// NextDue returns the earliest fire time among pending series, or false
// when nothing is pending.
func (d *Debounce[E]) NextDue() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return earliest(d.pending, d.fired, (*debounceEntry[E]).at)
}

// Cancel drops the pending series for key (not one already due) and
// reports whether there was one.
func (d *Debounce[E]) Cancel(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.pending[key]
	delete(d.pending, key)
	return ok
}

// Len returns the number of series waiting to fire.
func (d *Debounce[E]) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending) + len(d.fired)
}
