package engine

import (
	"slices"
	"strings"
)

// triggerIndex finds the functions an event name may trigger without
// looking at every function: exact trigger names in a map, wildcard
// triggers ("prefix/*", matching every name that starts with the prefix) in
// a map by prefix, looked up once for each distinct prefix length no longer
// than the name. Lists hold functions sorted by composite ID, the order in
// which an event starts them.
type triggerIndex struct {
	byName   map[string][]*fnState
	byPrefix map[string][]*fnState
	// prefixLens are the distinct lengths of the keys of byPrefix, ascending.
	prefixLens []int
}

// triggerIndexLocked returns the index, building it after a sync changed
// the functions.
func (e locked) triggerIndexLocked() *triggerIndex {
	if e.s.trigIdx != nil {
		return e.s.trigIdx
	}
	idx := &triggerIndex{byName: map[string][]*fnState{}, byPrefix: map[string][]*fnState{}}
	add := func(m map[string][]*fnState, key string, fn *fnState) {
		if list := m[key]; len(list) == 0 || list[len(list)-1] != fn {
			m[key] = append(list, fn)
		}
	}
	for _, fn := range e.fnOrderLocked() {
		for _, tr := range fn.triggers {
			if tr.event == "" {
				continue
			}
			if prefix, ok := strings.CutSuffix(tr.event, "*"); ok {
				add(idx.byPrefix, prefix, fn)
				if !slices.Contains(idx.prefixLens, len(prefix)) {
					idx.prefixLens = append(idx.prefixLens, len(prefix))
				}
				continue
			}
			add(idx.byName, tr.event, fn)
		}
	}
	slices.Sort(idx.prefixLens)
	e.s.trigIdx = idx
	return idx
}

// invalidateTriggersLocked drops the index after the functions changed.
func (e locked) invalidateTriggersLocked() {
	e.s.trigIdx = nil
	e.onRollbackLocked(func(e locked) { e.s.trigIdx = nil })
}

// candidates lists the functions with a trigger that matches name (an exact
// name or a wildcard whose prefix starts name), sorted by composite ID, each
// once.
func (idx *triggerIndex) candidates(name string) []*fnState {
	// Usually one list matches: return it as is (callers only read it).
	single := idx.byName[name]
	lists := 0
	if len(single) > 0 {
		lists = 1
	}
	var out []*fnState
	for _, n := range idx.prefixLens {
		if n > len(name) {
			break
		}
		fns := idx.byPrefix[name[:n]]
		if len(fns) == 0 {
			continue
		}
		switch lists {
		case 0:
			single = fns
		case 1:
			out = append(append(make([]*fnState, 0, len(single)+len(fns)), single...), fns...)
		default:
			out = append(out, fns...)
		}
		lists++
	}
	if lists <= 1 {
		return single
	}
	slices.SortFunc(out, func(a, b *fnState) int { return strings.Compare(a.id, b.id) })
	return slices.Compact(out)
}
