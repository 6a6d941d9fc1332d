package engine

// QuietForTest reports whether e has nothing to do at its clock's now but wait:
// no timer is due and every call in flight is one of the holding calls the test
// knows are blocked on purpose.
func QuietForTest(e *Engine, holding int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	return e.inflight == holding && e.waiting.Len() == 0 && (e.queue.Len() == 0 || e.queue[0].t.At.After(now))
}

// EventDecodesForTest is how many events the engine decoded into expression
// variables since the process started.
func EventDecodesForTest() int64 { return eventDecodes.Load() }

// The engine's tests check that no run the MemoryStore holds is modified
// after it was stored (see checkRunAliasing).
func init() { checkRunAliasing = true }

// NewMemoryStoreWithoutAliasCheckForTest returns a MemoryStore that skips the
// aliasing check: the check encodes the whole run on every read and save, so
// a run of hundreds of steps costs time quadratic in its steps (a 700-step
// run took a minute under -race on a loaded machine). The check still covers
// every other test; TestHistoryBound5000 covers the history bound's.
func NewMemoryStoreWithoutAliasCheckForTest() *MemoryStore {
	m := NewMemoryStore()
	m.uncheckedAliasing = true
	return m
}

// CallWorkersForTest is how many call workers e started.
func CallWorkersForTest(e *Engine) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.callWorkers
}

// SchedulerPassForTest runs one scheduler pass (fireDueLocked) at e's clock's
// now and returns how many pushes and pops on the timer queue it made.
func SchedulerPassForTest(e *Engine) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	before := e.heapOps
	e.fireDueLocked(e.clock.Now())
	return e.heapOps - before
}
