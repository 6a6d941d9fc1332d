package flow

import (
	"cmp"
	"slices"
	"time"
)

// takeDue removes from open the entries whose time (as told by at) is at or before
// now, adds them to the already-expired ones, and returns them all ordered by time,
// ties in arrival order. Debounce and Batch share it.
func takeDue[T any](open map[string]*T, expired []T, now time.Time, at func(*T) (time.Time, uint64)) []T {
	due := expired
	for k, e := range open {
		if t, _ := at(e); !t.After(now) {
			due = append(due, *e)
			delete(open, k)
		}
	}
	slices.SortFunc(due, func(x, y T) int {
		tx, sx := at(&x)
		ty, sy := at(&y)
		if c := tx.Compare(ty); c != 0 {
			return c
		}
		return cmp.Compare(sx, sy)
	})
	return due
}

// earliest returns the earliest time among open and expired entries.
func earliest[T any](open map[string]*T, expired []T, at func(*T) (time.Time, uint64)) (time.Time, bool) {
	var next time.Time
	found := false
	consider := func(e *T) {
		if t, _ := at(e); !found || t.Before(next) {
			next, found = t, true
		}
	}
	for i := range expired {
		consider(&expired[i])
	}
	for _, e := range open {
		consider(e)
	}
	return next, found
}
