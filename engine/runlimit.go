package engine

import "github.com/seed-b02f2472/inngest-go/engine/enginestore"

// The run-level (fn) concurrency limit, as the server's function
// concurrency semaphore: a run takes a slot when its first call starts (the
// server's start job acquires it) and holds it, across its later calls,
// sleeps and waits, until the run ends (the server releases it when it
// finalizes the run: completed, failed or cancelled). A first call that
// finds its key full is parked until a run of that key ends.

// runLimitKey names the run-level limit's key in RunRecord.Keys.
const runLimitKey = "run"

// runSlot is the run-level slot of r's key.
func (fn *fnState) runSlot(r *runState) slotKey {
	return slotKey{sem: fn.runLimit.sem, key: r.Keys[runLimitKey]}
}

// takeRunSlotLocked takes the run-level slot of a run's first call. It
// reports whether it took one (false when fn has no run-level limit or the
// run started already) and, when the key is full, the key to park on. A call
// not woken for the key waits behind the calls parked on it, so that runs
// start in the order their first calls were due.
func (e locked) takeRunSlotLocked(fn *fnState, r *runState, wokenFor slotKey, woken bool) (taken bool, full slotKey, ok bool) {
	if fn.runLimit == nil || r.Started {
		return false, slotKey{}, true
	}
	k := fn.runSlot(r)
	if (!woken || wokenFor != k) && e.s.parked.waiting(k) {
		return false, k, false
	}
	if !k.sem.TryAcquire(k.key, r.ID) {
		return false, k, false
	}
	e.onRollbackLocked(func(e locked) { k.sem.Release(k.key, r.ID) })
	return true, slotKey{}, true
}

// giveBackRunSlotLocked releases a run-level slot takeRunSlotLocked took for
// a call that then did not start.
func (e locked) giveBackRunSlotLocked(fn *fnState, r *runState) {
	k := fn.runSlot(r)
	k.sem.Release(k.key, r.ID)
	e.onRollbackLocked(func(e locked) { k.sem.Hold(k.key, r.ID) })
}

// releaseRunSlotLocked frees an ending run's run-level slot and wakes the
// next first call parked on its key.
func (e locked) releaseRunSlotLocked(r *runState) {
	fn := e.s.fns[r.FunctionID]
	if fn == nil || fn.runLimit == nil {
		return
	}
	k := fn.runSlot(r)
	if !k.sem.Holds(k.key, r.ID) {
		return
	}
	k.sem.Release(k.key, r.ID)
	e.onRollbackLocked(func(e locked) { k.sem.Hold(k.key, r.ID) })
	e.wakeLocked(k)
}

// restoreRunSlotLocked makes a stored run that started and has not ended
// hold its run-level slot again (at start-up).
func (e locked) restoreRunSlotLocked(r *enginestore.RunRecord) {
	fn := e.s.fns[r.FunctionID]
	key, ok := r.Keys[runLimitKey]
	if fn == nil || fn.runLimit == nil || !ok || !r.Started || r.Status.Done() {
		return
	}
	fn.runLimit.sem.Hold(key, r.ID)
}
