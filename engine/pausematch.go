package engine

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// waitingTrigger returns the decoded triggering event of a run that has
// pauses, for evaluating their expressions without loading the run. The
// first call per run loads it once; finishLocked forgets it. ok is false
// when the run is gone or has ended.
func (e locked) waitingTrigger(runID string) (trigger map[string]any, ok bool) {
	if t, ok := e.s.triggers[runID]; ok {
		return t, true
	}
	r := e.loadRunLocked(runID)
	if r == nil || r.Status.Done() {
		return nil, false
	}
	if len(r.Events) > 0 {
		trigger = exprVars(&e.eventDecodes, r.Events[0], nil).Event
	}
	e.s.triggers[runID] = trigger
	return trigger, true
}

// knowTriggerLocked caches the decoded trigger of r, a run the caller holds,
// so that waitingTrigger need not load it.
func (e locked) knowTriggerLocked(r *runState) {
	if _, ok := e.s.triggers[r.ID]; ok || r.Status.Done() {
		return
	}
	var trigger map[string]any
	if len(r.Events) > 0 {
		trigger = exprVars(&e.eventDecodes, r.Events[0], nil).Event
	}
	e.s.triggers[r.ID] = trigger
	e.onRollbackLocked(func(e locked) { delete(e.s.triggers, r.ID) })
}

// pauseMatches reports whether pause p accepts the event whose decoded form
// is async: p has not expired and its expression, if any, holds for the
// run's trigger and async. It loads no run beyond the first call per run.
func (e locked) pauseMatches(p enginestore.Pause, async map[string]any, now time.Time) bool {
	if p.Kind == enginestore.PauseSignal || (!p.Expires.IsZero() && now.After(p.Expires)) {
		return false
	}
	if p.If == "" {
		return true
	}
	kind := expr.Wait
	if p.Kind == enginestore.PauseCancel {
		kind = expr.Cancel
	}
	prog, err := e.compileExpr(kind, p.If)
	if err != nil {
		return false
	}
	trigger, ok := e.waitingTrigger(p.RunID)
	if !ok {
		return false
	}
	e.s.pidx.evaluated++
	return evalBool(prog, expr.Vars{Event: trigger, Async: async})
}
