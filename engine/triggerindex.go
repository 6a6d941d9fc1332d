package engine

import (
	"slices"
	"strings"
)

// triggerIndex finds the functions an event name may trigger without
// looking at every function: exact trigger names in a map, functions with a
// wildcard trigger ("prefix/*") in a list. Both hold functions sorted by
// composite ID, the order in which an event starts them.
type triggerIndex struct {
	byName   map[string][]*fnState
	patterns []*fnState
}

// triggerIndexLocked returns the index, building it after a sync changed
// the functions.
func (e *Engine) triggerIndexLocked() *triggerIndex {
	if e.trigIdx != nil {
		return e.trigIdx
	}
	idx := &triggerIndex{byName: map[string][]*fnState{}}
	for _, fn := range e.fnOrderLocked() {
		pattern := false
		for _, tr := range fn.triggers {
			switch {
			case tr.event == "":
			case strings.HasSuffix(tr.event, "*"):
				pattern = true
			default:
				if list := idx.byName[tr.event]; len(list) == 0 || list[len(list)-1] != fn {
					idx.byName[tr.event] = append(list, fn)
				}
			}
		}
		if pattern {
			idx.patterns = append(idx.patterns, fn)
		}
	}
	e.trigIdx = idx
	return idx
}

// invalidateTriggersLocked drops the index after the functions changed.
func (e *Engine) invalidateTriggersLocked() {
	e.trigIdx = nil
	e.onRollbackLocked(func() { e.trigIdx = nil })
}

// candidates lists the functions with a trigger that may match name, sorted
// by composite ID, each once.
func (idx *triggerIndex) candidates(name string) []*fnState {
	exact := idx.byName[name]
	if len(idx.patterns) == 0 {
		return exact
	}
	out := make([]*fnState, 0, len(exact)+len(idx.patterns))
	out = append(out, exact...)
	out = append(out, idx.patterns...)
	slices.SortFunc(out, func(a, b *fnState) int { return strings.Compare(a.id, b.id) })
	return slices.Compact(out)
}
