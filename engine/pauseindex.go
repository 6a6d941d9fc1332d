package engine

import (
	"slices"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

// pauseIndex holds, for each event name an event was sent with (or a pause
// saved on) since the engine started, the waits and cancellations that
// events of that name may resolve: the enginestore.Store is read once per name, then the
// engine keeps the index in step with every pause it saves or deletes
// (undoing its changes when a enginestore.Store transaction rolls back). Pauses whose
// expression is a conjunction of equalities are found by key (see
// pausekey.go); the others are checked one by one.
type pauseIndex struct {
	names map[string]*namePauses
	byID  map[string]*indexedPause
	// emptyLoads counts the names read with no pause since the last sweep
	// of empty names (see maxEmptyNames).
	emptyLoads int
	// evaluated counts the expressions evaluated against events.
	evaluated uint64
}

// maxEmptyNames is how many names without pauses the index remembers
// before it forgets them all (they are read again when used), so that
// events of ever new names do not grow it without bound.
const maxEmptyNames = 4096

// namePauses are the indexed pauses of one event name.
type namePauses struct {
	shapes map[string]*pauseShape
	// other are the pauses whose expression must be evaluated.
	other map[string]*indexedPause
}

// pauseShape holds the keyed pauses of one name and shape, by key.
type pauseShape struct {
	paths [][]string
	byKey map[string]map[string]*indexedPause
}

// indexedPause is one pause in the index. A pause no event can match (its
// run is gone, its expression does not compile or reads a missing trigger
// field) is only in byID.
type indexedPause struct {
	p     enginestore.Pause
	keyed *keyedPause
	// evaluate is set for pauses in namePauses.other.
	evaluate bool
}

// matchable reports whether events can resolve p (signal and invoke pauses
// are resolved otherwise).
func matchable(p enginestore.Pause) bool {
	return (p.Kind == enginestore.PauseWait || p.Kind == enginestore.PauseCancel) && p.Event != ""
}

// pauseNameLocked returns the index of name, reading the name's pauses from
// the enginestore.Store the first time.
func (e locked) pauseNameLocked(name string) (*namePauses, error) {
	if np := e.s.pidx.names[name]; np != nil {
		return np, nil
	}
	ps, err := e.store.PausesForEvent(e.ctx, name)
	if e.check(err) != nil {
		return nil, err
	}
	if e.s.pidx.names == nil {
		e.s.pidx.names = map[string]*namePauses{}
		e.s.pidx.byID = map[string]*indexedPause{}
	}
	np := &namePauses{shapes: map[string]*pauseShape{}, other: map[string]*indexedPause{}}
	e.s.pidx.names[name] = np
	// What was read inside a transaction may be rolled back: read it again.
	e.onRollbackLocked(func(e locked) { e.forgetPauseNameLocked(name) })
	for _, p := range ps {
		if matchable(p) {
			e.indexPauseLocked(np, p)
		}
	}
	if len(np.shapes) == 0 && len(np.other) == 0 {
		if e.s.pidx.emptyLoads++; e.s.pidx.emptyLoads > maxEmptyNames {
			e.s.pidx.emptyLoads = 0
			for n, o := range e.s.pidx.names {
				if n != name && len(o.shapes) == 0 && len(o.other) == 0 {
					delete(e.s.pidx.names, n)
				}
			}
		}
	}
	return np, nil
}

// forgetPauseNameLocked drops name from the index.
func (e locked) forgetPauseNameLocked(name string) {
	np := e.s.pidx.names[name]
	if np == nil {
		return
	}
	delete(e.s.pidx.names, name)
	for id, ip := range e.s.pidx.byID {
		if ip.p.Event == name {
			delete(e.s.pidx.byID, id)
		}
	}
}

// indexPauseLocked adds p to np (p is matchable and not indexed).
func (e locked) indexPauseLocked(np *namePauses, p enginestore.Pause) {
	ip := &indexedPause{p: p}
	e.s.pidx.byID[p.ID] = ip
	if p.If == "" {
		ip.evaluate = true
		np.other[p.ID] = ip
		return
	}
	kind := expr.Wait
	if p.Kind == enginestore.PauseCancel {
		kind = expr.Cancel
	}
	prog, err := e.compileExpr(kind, p.If)
	if err != nil {
		return // never matches
	}
	eqs, ok := prog.Equalities()
	if !ok {
		ip.evaluate = true
		np.other[p.ID] = ip
		return
	}
	trigger, live := e.waitingTrigger(p.RunID)
	if !live {
		return
	}
	k, ok, never := pauseKeyFor(eqs, trigger)
	switch {
	case never:
		return
	case !ok:
		ip.evaluate = true
		np.other[p.ID] = ip
		return
	}
	ip.keyed = &k
	sh := np.shapes[k.shape]
	if sh == nil {
		sh = &pauseShape{paths: k.paths, byKey: map[string]map[string]*indexedPause{}}
		np.shapes[k.shape] = sh
	}
	set := sh.byKey[k.key]
	if set == nil {
		set = map[string]*indexedPause{}
		sh.byKey[k.key] = set
	}
	set[p.ID] = ip
}

// unindexPauseLocked removes the pause with this ID from the index and
// returns what it held.
func (e locked) unindexPauseLocked(id string) (enginestore.Pause, bool) {
	ip := e.s.pidx.byID[id]
	if ip == nil {
		return enginestore.Pause{}, false
	}
	delete(e.s.pidx.byID, id)
	np := e.s.pidx.names[ip.p.Event]
	switch {
	case np == nil:
	case ip.evaluate:
		delete(np.other, id)
	case ip.keyed != nil:
		if sh := np.shapes[ip.keyed.shape]; sh != nil {
			set := sh.byKey[ip.keyed.key]
			delete(set, id)
			if len(set) == 0 {
				delete(sh.byKey, ip.keyed.key)
				if len(sh.byKey) == 0 {
					delete(np.shapes, ip.keyed.shape)
				}
			}
		}
	}
	return ip.p, true
}

// savePauseLocked saves p, a pause of run r (nil when the caller does not
// hold it), and keeps the index in step.
func (e locked) savePauseLocked(r *runState, p enginestore.Pause) error {
	if err := e.check(e.store.SavePause(e.ctx, p)); err != nil {
		return err
	}
	old, had := e.unindexPauseLocked(p.ID)
	added := false
	if matchable(p) {
		if np := e.s.pidx.names[p.Event]; np != nil {
			if r != nil && r.ID == p.RunID {
				e.knowTriggerLocked(r)
			}
			e.indexPauseLocked(np, p)
			added = true
		}
	}
	if had || added {
		e.onRollbackLocked(func(e locked) {
			e.unindexPauseLocked(p.ID)
			if had {
				if np := e.s.pidx.names[old.Event]; np != nil {
					e.indexPauseLocked(np, old)
				}
			}
		})
	}
	return nil
}

// deletePauseLocked deletes a pause (see enginestore.Store.DeletePause) and keeps the
// index in step.
func (e locked) deletePauseLocked(id string) (bool, error) {
	ok, err := e.store.DeletePause(e.ctx, id)
	if e.check(err) != nil {
		return ok, err
	}
	if old, had := e.unindexPauseLocked(id); had {
		e.onRollbackLocked(func(e locked) {
			if np := e.s.pidx.names[old.Event]; np != nil && e.s.pidx.byID[id] == nil {
				e.indexPauseLocked(np, old)
			}
		})
	}
	return ok, nil
}

// matchingPausesLocked returns, sorted by ID, the pauses on rec's event
// name that rec resolves at now: keyed pauses by lookup, the others by
// evaluating their expressions. The event (vars, rec decoded on first use)
// is decoded only when its name has pauses.
func (e locked) matchingPausesLocked(rec enginestore.EventRecord, now time.Time, vars *lazyVars) ([]enginestore.Pause, error) {
	np, err := e.pauseNameLocked(rec.Name)
	if err != nil || (len(np.shapes) == 0 && len(np.other) == 0) {
		return nil, err
	}
	async := vars.get().Event
	var out []enginestore.Pause
	var buf []byte
	for _, sh := range np.shapes {
		var ok bool
		if buf, ok = eventKey(buf[:0], sh.paths, async); !ok {
			continue
		}
		for _, ip := range sh.byKey[string(buf)] {
			if ip.p.Expires.IsZero() || !now.After(ip.p.Expires) {
				out = append(out, ip.p)
			}
		}
	}
	for _, ip := range np.other {
		if e.pauseMatches(ip.p, async, now) {
			out = append(out, ip.p)
		}
	}
	slices.SortFunc(out, func(a, b enginestore.Pause) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
