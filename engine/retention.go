package engine

import (
	"context"
	"time"
)

// DefaultRetention is how long finished runs and received events are kept
// when Options.Retention is zero: one day, the server's event-id
// deduplication window. (The open-source dev server keeps everything until it
// stops, so a long-running one grows without bound.)
const DefaultRetention = 24 * time.Hour

// minEventRetention is the shortest time events are kept whatever the
// retention: event ids are deduplicated for that long.
const minEventRetention = 24 * time.Hour

// Pruner is a Store that can delete old records. When the engine's Store
// implements it (MemoryStore and sqlitestore do), the engine deletes finished
// runs and old events as Options.Retention says.
type Pruner interface {
	// PruneRuns deletes the runs that reached a final status before
	// endedBefore (with their event index) and returns how many it deleted.
	// Runs not finished are never deleted.
	PruneRuns(ctx context.Context, endedBefore time.Time) (int, error)
	// PruneEvents deletes the events received before receivedBefore and
	// returns how many it deleted.
	PruneEvents(ctx context.Context, receivedBefore time.Time) (int, error)
}

// pruneEvery is how often, in engine time, the scheduler prunes: a tenth of
// the retention, at most an hour, at least a second.
func pruneEvery(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Second), time.Hour)
}

// pruneLocked deletes what Options.Retention no longer keeps, at most once
// per pruneEvery of engine time. It is measured on the engine clock, so a
// VirtualClock that jumps a week prunes a week's worth.
func (e *Engine) pruneLocked(now time.Time) {
	if e.opts.Retention < 0 {
		return
	}
	p, ok := e.base.(Pruner)
	if !ok || e.s.tx != nil {
		return
	}
	if !e.s.lastPrune.IsZero() && now.Sub(e.s.lastPrune) < pruneEvery(e.opts.Retention) {
		return
	}
	e.s.lastPrune = now
	runs, err := p.PruneRuns(e.ctx, now.Add(-e.opts.Retention))
	if err != nil {
		e.log.Error("inngest: prune runs", "err", err)
	}
	evs, err := p.PruneEvents(e.ctx, now.Add(-max(e.opts.Retention, minEventRetention)))
	if err != nil {
		e.log.Error("inngest: prune events", "err", err)
	}
	if runs > 0 || evs > 0 {
		e.log.Debug("inngest: pruned", "runs", runs, "events", evs)
	}
}
