package memstore

import (
	"context"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

var _ enginestore.Pruner = (*Store)(nil)

// PruneRuns implements enginestore.Pruner.
func (m *Store) PruneRuns(_ context.Context, endedBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	kept := m.runOrder[:0]
	for _, id := range m.runOrder {
		r := m.runs[id]
		if !r.Status.Done() || !r.EndedAt.Before(endedBefore) {
			kept = append(kept, id)
			continue
		}
		delete(m.runs, id)
		delete(m.prints, id)
		for _, ev := range r.EventIDs {
			ids := m.byEvent[ev][:0]
			for _, rid := range m.byEvent[ev] {
				if rid != id {
					ids = append(ids, rid)
				}
			}
			if len(ids) == 0 {
				delete(m.byEvent, ev)
			} else {
				m.byEvent[ev] = ids
			}
		}
		n++
	}
	clear(m.runOrder[len(kept):])
	m.runOrder = kept
	return n, nil
}

// PruneEvents implements enginestore.Pruner.
func (m *Store) PruneEvents(_ context.Context, receivedBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, ev := range m.events {
		if ev.ReceivedAt.Before(receivedBefore) {
			delete(m.events, id)
			n++
		}
	}
	return n, nil
}
