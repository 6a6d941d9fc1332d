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

// pruneLocked deletes what Options.Retention no longer keeps, at most once
// per pruneEvery of engine time. It is measured on the engine clock, so a
// VirtualClock that jumps a week prunes a week's worth.
func (e locked) pruneLocked(now time.Time) {
	if e.opts.Retention < 0 {
		return
	}
	p, ok := e.base.(enginestore.Pruner)
	if !ok || e.tx != nil {
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
