package engine

// Quiet reports whether the engine has nothing to do at its clock's now but
// wait: no timer is due (but calls waiting for a call slot) and exactly holding HTTP calls are in flight. Tests
// use it to know that everything that could start has started (or is waiting
// for a slot) while holding calls are blocked on purpose, instead of sleeping:
// for example, with one call blocked in the app, Quiet(1) means a run held
// back by a concurrency limit is parked, not about to start. Quiet(0) is Idle.
func (e *Engine) Quiet(holding int) bool {
	l := e.lock()
	defer l.unlock()
	now := e.clock.Now()
	if l.s.inflight != holding {
		return false
	}
	full := l.slotsFullLocked()
	if !full && l.s.waiting.Len() > 0 {
		return false
	}
	for _, q := range l.s.queue {
		// A due call that finds every call slot taken waits too.
		if !q.t.At.After(now) && !(full && needsSlot(q.t.Kind)) {
			return false
		}
	}
	return true
}
