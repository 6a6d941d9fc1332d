package engine

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// DefaultRetention is how long finished runs and received events are kept
// when Options.Retention is zero: one day, the server's event-id
// deduplication window. (The open-source dev server keeps everything until it
// stops, so a long-running one grows without bound.)
const DefaultRetention = 24 * time.Hour

// minEventRetention is the shortest time events are kept whatever the
// retention: event ids are deduplicated for that long.
const minEventRetention = 24 * time.Hour

// pruneEvery is how often, in engine time, the scheduler prunes: a tenth of
// the retention, at most an hour, at least a second.
func pruneEvery(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Second), time.Hour)
}

// pruneCut is what one prune deletes: runs that ended before runs, events
// received before events.
type pruneCut struct {
	p            enginestore.Pruner
	runs, events time.Time
}

// pruneDueLocked decides whether the scheduler prunes now: what
// Options.Retention no longer keeps goes at most once per pruneEvery of
// engine time. It is measured on the engine clock, so a VirtualClock that
// jumps a week prunes a week's worth. The deletes themselves (prune) run
// without the lock: they touch only finished runs and old events, which
// nothing the engine holds refers to.
func (e locked) pruneDueLocked(now time.Time) (pruneCut, bool) {
	if e.opts.Retention < 0 {
		return pruneCut{}, false
	}
	p, ok := e.base.(enginestore.Pruner)
	if !ok || e.tx != nil {
		return pruneCut{}, false
	}
	if !e.s.lastPrune.IsZero() && now.Sub(e.s.lastPrune) < pruneEvery(e.opts.Retention) {
		return pruneCut{}, false
	}
	e.s.lastPrune = now
	return pruneCut{p: p, runs: now.Add(-e.opts.Retention), events: now.Add(-max(e.opts.Retention, minEventRetention))}, true
}

// prune deletes what c says; e.mu is not held.
func (e *Engine) prune(c pruneCut) {
	runs, err := c.p.PruneRuns(e.ctx, c.runs)
	if err != nil {
		e.log.Error("inngest: prune runs", "err", err)
	}
	evs, err := c.p.PruneEvents(e.ctx, c.events)
	if err != nil {
		e.log.Error("inngest: prune events", "err", err)
	}
	if runs > 0 || evs > 0 {
		e.log.Debug("inngest: pruned", "runs", runs, "events", evs)
	}
}
