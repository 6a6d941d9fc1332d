package memstore

import (
	"context"
	"slices"
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
	keptSeq := m.runSeq[:0]
	for i, id := range m.runOrder {
		r := m.runs[id]
		if !r.Status.Done() || !r.EndedAt.Before(endedBefore) {
			kept = append(kept, id)
			keptSeq = append(keptSeq, m.runSeq[i])
			continue
		}
		delete(m.runs, id)
		if kids := slices.DeleteFunc(m.byParent[r.ParentRunID], func(n uint64) bool { return n == m.runSeq[i] }); len(kids) == 0 {
			delete(m.byParent, r.ParentRunID)
		} else {
			m.byParent[r.ParentRunID] = kids
		}
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
	m.runSeq = keptSeq
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
