package memstore

import (
	"context"
	"slices"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// ListRuns implements enginestore.Store: it walks the runs from the cursor's
// position in creation order (the runs a run invoked through their own
// index), so a page costs its own runs and the runs the other filters skip,
// whatever the number stored.
func (m *Store) ListRuns(_ context.Context, q enginestore.RunQuery) (enginestore.RunPage, error) {
	before, after, err := q.Cursors()
	if err != nil {
		return enginestore.RunPage{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// seqs are the creation numbers of the candidates, in order.
	seqs := m.runSeq
	if q.ParentRunID != "" {
		seqs = m.byParent[q.ParentRunID]
	}
	match := func(j int) bool { return q.Matches(m.runs[m.runOrder[m.position(seqs[j])]]) }
	limit := q.PageLimit()
	var page []int // indexes into seqs, newest first
	var more bool  // another match beyond the page, in the walk's direction
	if q.After != "" {
		j, _ := slices.BinarySearch(seqs, after+1)
		for ; j < len(seqs); j++ {
			if match(j) {
				if len(page) == limit {
					more = true
					break
				}
				page = append(page, j)
			}
		}
		slices.Reverse(page)
	} else {
		end := len(seqs)
		if q.Before != "" {
			end, _ = slices.BinarySearch(seqs, before)
		}
		for j := end - 1; j >= 0; j-- {
			if match(j) {
				if len(page) == limit {
					more = true
					break
				}
				page = append(page, j)
			}
		}
	}
	var out enginestore.RunPage
	out.Runs = make([]*enginestore.RunRecord, len(page))
	for k, j := range page {
		r := m.runs[m.runOrder[m.position(seqs[j])]]
		m.checkUnchanged(r)
		out.Runs[k] = cloneRun(r)
	}
	if len(page) == 0 {
		return out, nil
	}
	newest, oldest := page[0], page[len(page)-1]
	olderExists, newerExists := more, more
	if q.After != "" {
		olderExists = slices.ContainsFunc(seqs[:oldest], func(n uint64) bool { return q.Matches(m.runs[m.runOrder[m.position(n)]]) })
	} else {
		newerExists = false
		for j := newest + 1; j < len(seqs) && !newerExists; j++ {
			newerExists = match(j)
		}
	}
	if olderExists {
		out.Older = enginestore.EncodeCursor(seqs[oldest])
	}
	if newerExists {
		out.Newer = enginestore.EncodeCursor(seqs[newest])
	}
	return out, nil
}

// position is the index in runOrder of the run created seq-th; m.mu is
// held and the run is stored.
func (m *Store) position(seq uint64) int {
	i, _ := slices.BinarySearch(m.runSeq, seq)
	return i
}
