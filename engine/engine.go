package engine

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// Engine is an in-process Inngest server: it receives events and syncs over
// HTTP (or its Go API) and drives function runs by calling apps over HTTP,
// exactly as the open-source dev server does.
type Engine struct {
	opts  Options
	clock Clock
	// base is the configured Store (a locked section uses the Store its
	// locked value is bound to: base, or a transaction's).
	base   enginestore.Store
	log    *slog.Logger
	client *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// wake pokes the scheduler loop.
	wake chan struct{}
	// callJobs hands a call to an idle call worker (callworkers.go).
	callJobs chan *callJob
	// connect carries calls to apps synced over Connect (connect.go).
	connect atomic.Pointer[connectSlot]
	// rt is the realtime hub behind /v1/realtime/* (realtime.go).
	rt realtimeSlot
	// eventDecodes counts the events decoded into expression variables
	// (read by tests).
	eventDecodes atomic.Int64
	// exprs caches the compiled CEL programs of this engine (exprs.go).
	exprs *expr.Cache

	// mu guards state: every piece of engine state that changes after New
	// is a field of state. Code reaches it only through a locked value
	// (lock, or held while mu is held), whose s points to it; nothing on
	// *Engine names state but New and held (TestGuardedStateOnlyThroughLocked).
	mu    sync.Mutex
	state guarded
}

// guarded is the engine's state guarded by Engine.mu (see Engine.state),
// including everything the apps, functions and runs it holds point to.
type guarded struct {
	apps     map[string]*appState // by app name
	fns      map[string]*fnState  // by composite ID
	queue    timerHeap
	index    map[string]*queued // timer ID → queue entry
	runTimer map[string]map[string]struct{}
	seq      uint64
	inflight int
	calls    map[string]*callJob        // in-flight calls by job ID (a checkpoint resets their attempts)
	parked   parking                    // calls waiting for a concurrency slot
	woken    map[string]slotKey         // woken parked calls not started yet, by timer ID
	fetched  map[string]json.RawMessage // step.fetch results not yet committed, by timer ID
	// cancellations are the bulk cancellations created through the API.
	cancellations []Cancellation
	shared        map[string]*flow.Concurrency // account/env scoped limits
	singles       map[string]*flow.Singleton
	changed       chan struct{}
	// changedWatched reports whether a waiter holds changed.
	changedWatched bool
	// callWorkers counts the call workers started.
	callWorkers int
	closed      bool
	// reaccepted holds, for event ids accepted again after the deduplication
	// window (eventDedupWindow), when that happened.
	reaccepted map[string]time.Time
	// lastPrune is when pruneDueLocked last decided to prune (engine time).
	lastPrune time.Time
	// flowSaves counts saved flow records (see saveFlowLocked).
	flowSaves uint64
	// syncedAt is when each app last asked to sync (engine time; see Apps).
	syncedAt map[string]time.Time
	// triggers caches the decoded triggering event of runs with pauses,
	// by run ID (see waitingTrigger); finishLocked removes a run's entry.
	triggers map[string]map[string]any
	// pidx indexes the pauses events can resolve (see pauseIndex).
	pidx pauseIndex
	// trigIdx indexes functions by trigger name; nil after a sync changed
	// them (see triggerIndexLocked).
	trigIdx *triggerIndex
	// waiting holds the due calls that found every call slot taken, in
	// queue order; a freed slot starts the first (see fireDueLocked).
	waiting timerHeap
	// heapOps counts pushes and pops on the timer queue (read by tests).
	heapOps uint64
}

// New returns a started engine. Call Close to stop it.
func New(opts Options) (*Engine, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		opts:     opts,
		clock:    opts.Clock,
		base:     opts.Store,
		log:      opts.Logger,
		client:   opts.HTTPClient,
		ctx:      ctx,
		cancel:   cancel,
		wake:     make(chan struct{}, 1),
		callJobs: make(chan *callJob),
		exprs:    expr.NewCache(0),
		state: guarded{
			apps:     map[string]*appState{},
			fns:      map[string]*fnState{},
			index:    map[string]*queued{},
			calls:    map[string]*callJob{},
			runTimer: map[string]map[string]struct{}{},
			shared:   map[string]*flow.Concurrency{},
			singles:  map[string]*flow.Singleton{},
			triggers: map[string]map[string]any{},
			woken:    map[string]slotKey{},
			fetched:  map[string]json.RawMessage{},
			changed:  make(chan struct{}),
		},
	}
	if err := e.restore(); err != nil {
		cancel()
		return nil, err
	}
	e.wg.Add(1)
	go e.loop()
	return e, nil
}

// restore reloads apps and timers from the store (a no-op for a new store).
func (e *Engine) restore() error {
	l := e.lock()
	defer l.unlock()
	apps, err := l.store.Apps(e.ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if _, err := l.installApp(a, false); err != nil {
			return err
		}
	}
	if err := l.restoreFlowsLocked(e.clock.Now()); err != nil {
		return err
	}
	timers, err := l.store.Timers(e.ctx)
	if err != nil {
		return err
	}
	for _, t := range timers {
		l.enqueue(t)
	}
	return nil
}

// Close stops the engine: no new calls start, in-flight calls are cancelled
// and Close waits for every goroutine to end. It is safe to call twice.
func (e *Engine) Close() error {
	l := e.lock()
	if l.s.closed {
		l.unlock()
		return nil
	}
	l.s.closed = true
	l.unlock()
	e.cancel()
	e.wg.Wait()
	return nil
}

// Now returns the engine clock's time.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// poke wakes the scheduler loop.
func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// notifyLocked tells waiters (WaitForRun, WaitFor, ...) that run state
// changed or that the engine may have gone idle (a call ended, a timer left
// the queue). A change nobody has waited for since the last one costs
// nothing. A waiter takes the channel (watchChangesLocked) under e.mu in the
// same critical section as the state it checks, so no change falls between
// its check and its wait.
func (e locked) notifyLocked() {
	if !e.s.changedWatched {
		return
	}
	close(e.s.changed)
	e.s.changed, e.s.changedWatched = make(chan struct{}), false
}

// watchChangesLocked returns the channel the next change closes.
func (e locked) watchChangesLocked() <-chan struct{} {
	e.s.changedWatched = true
	return e.s.changed
}

// schedule stores and enqueues a timer; it assigns an ID when empty.
func (e locked) scheduleLocked(t enginestore.TimerItem) enginestore.TimerItem {
	if t.ID == "" {
		e.s.seq++
		t.ID = "t" + strconv.FormatUint(e.s.seq, 36) + "-" + newJobID()
	}
	if err := e.check(e.store.SaveTimer(e.ctx, t)); err != nil {
		e.log.Error("inngest: save timer", "err", err)
	}
	e.enqueue(t)
	e.poke()
	return t
}

// enqueue puts a timer in the queue, replacing one with the same ID.
func (e locked) enqueue(t enginestore.TimerItem) {
	e.s.seq++
	q := &queued{t: t, seq: e.s.seq}
	old := e.s.index[t.ID]
	if old != nil {
		e.removeQueued(old)
	}
	e.pushQueued(q)
	e.onRollbackLocked(func(e locked) {
		e.removeQueued(q)
		if old != nil {
			e.pushQueued(old)
		}
	})
}

// pushQueued adds an entry to the queue and its indexes.
func (e locked) pushQueued(q *queued) {
	e.s.heapOps++
	q.waiting = false
	heap.Push(&e.s.queue, q)
	e.s.index[q.t.ID] = q
	if q.t.RunID != "" {
		m := e.s.runTimer[q.t.RunID]
		if m == nil {
			m = map[string]struct{}{}
			e.s.runTimer[q.t.RunID] = m
		}
		m[q.t.ID] = struct{}{}
	}
}

// removeQueued removes an entry that is in the queue or waiting for a call
// slot.
func (e locked) removeQueued(q *queued) {
	if q.idx >= 0 {
		if q.waiting {
			heap.Remove(&e.s.waiting, q.idx)
		} else {
			heap.Remove(&e.s.queue, q.idx)
		}
	}
	e.dropTimerIndex(q.t)
}

// cancelTimerLocked removes a timer from the queue and the store.
func (e locked) cancelTimerLocked(id string) {
	if k, ok := e.takeWokenLocked(id); ok {
		e.wakeLocked(k) // the slot it was woken for is still free
	}
	if q, ok := e.s.index[id]; ok {
		e.removeQueued(q)
		e.onRollbackLocked(func(e locked) { e.pushQueued(q) })
	}
	e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, id))
}

func (e locked) dropTimerIndex(t enginestore.TimerItem) {
	delete(e.s.index, t.ID)
	if m := e.s.runTimer[t.RunID]; m != nil {
		delete(m, t.ID)
		if len(m) == 0 {
			delete(e.s.runTimer, t.RunID)
		}
	}
}

// cancelRunTimersLocked removes every timer of a run.
func (e locked) cancelRunTimersLocked(runID string) {
	for id := range e.s.runTimer[runID] {
		e.cancelTimerLocked(id)
	}
	delete(e.s.runTimer, runID)
	for _, pc := range e.s.parked.removeRun(runID) {
		e.onRollbackLocked(func(e locked) { e.s.parked.insert(pc) })
		e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, pc.t.ID))
	}
}

// loop is the scheduler: it fires due timers and starts ready calls.
func (e *Engine) loop() {
	defer e.wg.Done()
	// A VirtualClock, or any clock embedding one, wakes the loop when time moves.
	vc, _ := e.clock.(virtualClock)
	var vcSub <-chan struct{}
	if vc != nil {
		var release func()
		vcSub, release = vc.subscribe()
		defer release()
	}
	for {
		l := e.lock()
		if l.s.closed {
			l.unlock()
			return
		}
		now := e.clock.Now()
		if cut, ok := l.pruneDueLocked(now); ok {
			// Prune before firing what is due, without the lock: a call
			// fired after a clock move sees what the move pruned gone.
			l.unlock()
			e.prune(cut)
			l = e.lock()
			if l.s.closed {
				l.unlock()
				return
			}
			now = e.clock.Now()
		}
		next, hasNext := l.fireDueLocked(now)
		idle := l.idleLocked(now)
		if vc != nil && idle && vc.AutoAdvance() {
			autoNext, hasAuto := l.nextAutoLocked()
			l.unlock()
			if hasAuto {
				vc.Set(autoNext)
				continue
			}
		} else {
			l.unlock()
		}
		var tc <-chan time.Time
		var tm Timer
		if hasNext {
			tm = e.clock.NewTimer(next.Sub(now))
			tc = tm.C()
		}
		select {
		case <-e.ctx.Done():
		case <-e.wake:
		case <-tc:
		case <-vcSub:
		}
		if tm != nil {
			tm.Stop()
		}
		if e.ctx.Err() != nil {
			return
		}
	}
}

// nextAutoLocked returns the time of the earliest timer other than cron
// timers (which would otherwise advance a virtual clock forever); it is
// used only to auto-advance a VirtualClock when the engine is idle.
func (e locked) nextAutoLocked() (time.Time, bool) {
	at, ok, _ := earliestNonCron(e.s.queue)
	return at, ok
}

// needsSlot reports whether firing a timer of kind k makes an HTTP call.
func needsSlot(k enginestore.TimerKind) bool {
	return k == enginestore.TimerCall || k == enginestore.TimerGateway
}

// slotsFullLocked reports whether MaxConcurrentCalls calls are in flight.
func (e locked) slotsFullLocked() bool { return e.s.inflight >= e.opts.MaxConcurrentCalls }

// idleLocked reports whether no call is in flight and nothing is due at now
// (calls waiting for a slot are due).
func (e locked) idleLocked(now time.Time) bool {
	return e.s.inflight == 0 && e.s.waiting.Len() == 0 && (e.s.queue.Len() == 0 || e.s.queue[0].t.At.After(now))
}

// fireDueLocked runs every timer due at now, in queue order. A due call that
// finds every slot taken moves to e.s.waiting (once: later passes leave it
// there, so a pass with every slot taken costs nothing per waiting call), so
// that sleeps, timeouts and cron ticks behind it still fire. While a slot is
// free, the next timer is the first of e.s.waiting and the due part of the
// queue by the queue's order: calls start in the order one queue would give.
// It returns when the loop must next wake: the earliest timer in the queue,
// read off the heap's top (no scan); a freed slot wakes the loop for the
// waiting calls.
func (e locked) fireDueLocked(now time.Time) (next time.Time, ok bool) {
	for {
		due := e.s.queue.Len() > 0 && !e.s.queue[0].t.At.After(now)
		full := e.slotsFullLocked()
		var top *queued
		switch {
		case !full && e.s.waiting.Len() > 0 && (!due || queueLess(e.s.waiting[0], e.s.queue[0])):
			top = e.s.waiting[0]
			e.s.heapOps++
			heap.Pop(&e.s.waiting)
		case due && full && needsSlot(e.s.queue[0].t.Kind):
			top = e.s.queue[0]
			e.s.heapOps += 2
			heap.Pop(&e.s.queue)
			top.waiting = true
			heap.Push(&e.s.waiting, top)
			continue
		case due:
			top = e.s.queue[0]
			e.s.heapOps++
			heap.Pop(&e.s.queue)
		default:
			if e.s.queue.Len() > 0 {
				return e.s.queue[0].t.At, true
			}
			return time.Time{}, false
		}
		e.dropTimerIndex(top.t)
		// Idle may hold once the timer is off the queue even when firing it
		// changes no run (a call for a run that ended, a stale timeout).
		e.notifyLocked()
		err := e.atomicLocked(func(e locked) error {
			e.fireLocked(top.t, now)
			return nil
		})
		if err != nil {
			// Rolled back: the timer is still stored; fire it again shortly.
			t := top.t
			t.At = now.Add(retryAfterRollback)
			e.enqueue(t)
		}
	}
}

// retryAfterRollback is how long the engine waits before redoing a timer or
// a call whose enginestore.Store transaction failed.
const retryAfterRollback = time.Second

func (e locked) fireLocked(t enginestore.TimerItem, now time.Time) {
	if t.Kind != enginestore.TimerCall && t.Kind != enginestore.TimerGateway {
		e.logStoreErr("DeleteTimer", e.store.DeleteTimer(e.ctx, t.ID))
	}
	switch t.Kind {
	case enginestore.TimerCall:
		e.startCallLocked(t, now)
	case enginestore.TimerGateway:
		e.startGatewayLocked(t)
	case enginestore.TimerSleep:
		e.resumeLocked(t.RunID, t.StepID, []byte("null"), "sleep", "woke up")
	case enginestore.TimerPauseTimeout:
		e.pauseTimeoutLocked(t)
	case enginestore.TimerStartTimeout, enginestore.TimerFinishTimeout:
		e.runTimeoutLocked(t)
	case enginestore.TimerDebounce:
		e.debounceDueLocked(t.FunctionID, now)
	case enginestore.TimerBatch:
		e.batchDueLocked(t.FunctionID, now)
	case enginestore.TimerCron:
		e.cronFireLocked(t, now)
	case enginestore.TimerStart:
		e.startRunLocked(t.RunID, now)
	}
}

// errClosed is returned by API calls after Close.
var errClosed = errors.New("inngest: engine closed")

type queued struct {
	t   enginestore.TimerItem
	seq uint64
	idx int // in its heap; < 0 once out
	// waiting reports that the entry is in Engine.waiting, not the queue.
	waiting bool
}

// timerHeap is the timer queue (and the calls waiting for a slot), in
// queueLess order.
type timerHeap = indexHeap[*queued]

func (q *queued) before(o *queued) bool { return queueLess(q, o) }
func (q *queued) setIndex(i int)        { q.idx = i }

// queueLess orders timers: earlier first, then higher priority, then first
// queued.
func queueLess(a, b *queued) bool {
	if !a.t.At.Equal(b.t.At) {
		return a.t.At.Before(b.t.At)
	}
	if a.t.Priority != b.t.Priority {
		return a.t.Priority > b.t.Priority
	}
	return a.seq < b.seq
}
