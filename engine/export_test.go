package engine

// QuietForTest reports whether e has nothing to do at its clock's now but wait:
// no timer is due and every call in flight is one of the holding calls the test
// knows are blocked on purpose.
func QuietForTest(e *Engine, holding int) bool {
	l := e.lock()
	defer l.unlock()
	now := e.clock.Now()
	return l.s.inflight == holding && l.s.waiting.Len() == 0 && (l.s.queue.Len() == 0 || l.s.queue[0].t.At.After(now))
}

// EventDecodesForTest is how many events e decoded into expression
// variables.
func EventDecodesForTest(e *Engine) int64 { return e.eventDecodes.Load() }

// CallWorkersForTest is how many call workers e started.
func CallWorkersForTest(e *Engine) int {
	l := e.lock()
	defer l.unlock()
	return l.s.callWorkers
}

// SchedulerPassForTest runs one scheduler pass (fireDueLocked) at e's clock's
// now and returns how many pushes and pops on the timer queue it made.
func SchedulerPassForTest(e *Engine) uint64 {
	l := e.lock()
	defer l.unlock()
	before := l.s.heapOps
	l.fireDueLocked(e.clock.Now())
	return l.s.heapOps - before
}
