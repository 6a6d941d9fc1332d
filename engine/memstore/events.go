package memstore

import (
	"bytes"
	"context"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// RecentEvents implements enginestore.EventLister: up to limit events, latest
// ReceivedAt first (ties by ID, descending), without internal ones.
func (m *Store) RecentEvents(_ context.Context, limit int) ([]enginestore.EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]enginestore.EventRecord, 0, len(m.events))
	for _, ev := range m.events {
		if !ev.Internal {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b enginestore.EventRecord) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return bytes.Compare([]byte(b.ID), []byte(a.ID))
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i].Raw = slices.Clone(out[i].Raw)
	}
	return out, nil
}
