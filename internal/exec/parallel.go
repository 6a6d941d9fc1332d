package exec

import (
	"context"
	"runtime/debug"
	"slices"
	"sync"
)

// Parallel runs n branches concurrently, each on its own goroutine with its own
// frame. When every branch returned, Parallel returns nil. When any branch stopped
// (it reported an op, or skipped in a targeted call), the calling goroutine stops too
// with runtime.Goexit once all branches ended, so all ops go out together. A panic in
// a branch is re-raised on the calling goroutine.
func Parallel(ctx context.Context, n int, branch func(ctx context.Context, i int)) error {
	_, err := fork(ctx, n, branch, false)
	return err
}

// Race runs n branches as Parallel does, with every op they report marked
// parallelMode "race" (the server then makes a discovery call as soon as each of
// them ends). It returns the index of the winner: of the branches that returned
// in this call, the one whose last memoized step completed first (ctx.stack
// order; a branch without steps before any; ties to the lowest index), so every
// call of the run picks the same one. Once a branch has won, the others' ops are
// not reported (they are not awaited: a step of theirs already scheduled still
// runs, but nothing after it), and the later steps of the call are planned
// rather than run at once (concurrent discovery calls of the run replay them
// too; the server's job ids make a plan idempotent, not an execution). When no
// branch returned, the calling goroutine stops as in Parallel. In a call
// targeting one step, a branch that ran it stops the call, so that its result
// goes out.
func Race(ctx context.Context, n int, branch func(ctx context.Context, i int)) (int, error) {
	return fork(ctx, n, branch, true)
}

func fork(ctx context.Context, n int, branch func(ctx context.Context, i int), race bool) (int, error) {
	parent := frameFrom(ctx)
	if parent == nil {
		return -1, ErrNoRun
	}
	r := parent.run
	if r.finished.Load() {
		return -1, ErrRunFinished
	}
	if parent.inStep {
		return -1, ErrNested
	}
	// The parent frame is busy while its branches run: a step on its ctx from a
	// branch is refused with ErrStray.
	if !onSDKGoroutine() {
		return -1, ErrStray
	}
	if !parent.state.CompareAndSwap(frameIdle, frameBusy) {
		if parent.state.Load() == frameStopped {
			return -1, ErrRunFinished
		}
		return -1, ErrStray
	}
	frames := make([]*frame, n)
	stopped := make([]bool, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		counts := make(map[string]int, len(parent.counts))
		for k, v := range parent.counts {
			counts[k] = v
		}
		path := make([]int, len(parent.path)+1)
		copy(path, parent.path)
		path[len(parent.path)] = i
		var taken map[string]struct{}
		if len(parent.taken) > 0 {
			taken = make(map[string]struct{}, len(parent.taken))
			for k := range parent.taken {
				taken[k] = struct{}{}
			}
		}
		fr := &frame{run: r, path: path, parallel: true, race: race || parent.race, counts: counts, taken: taken, lastPos: -1}
		frames[i] = fr
		go sdkGoroutine(func() {
			defer wg.Done()
			returned := false
			defer func() {
				if returned {
					return
				}
				if p := recover(); p != nil {
					if _, ok := p.(*PanicError); !ok {
						p = &PanicError{Value: p, Stack: string(debug.Stack())}
					}
					panics[i] = p
					return
				}
				stopped[i] = true
			}()
			branch(withFrame(ctx, fr), i)
			returned = true
		})
	}
	wg.Wait()
	// Merge id counts so that later steps in the parent keep counting.
	base := make(map[string]int, len(parent.counts))
	for k, v := range parent.counts {
		base[k] = v
	}
	for _, fr := range frames {
		parent.lastPos = max(parent.lastPos, fr.lastPos)
		for k, v := range fr.counts {
			parent.counts[k] += v - base[k]
		}
		for k := range fr.taken {
			if parent.taken == nil {
				parent.taken = make(map[string]struct{}, len(fr.taken))
			}
			parent.taken[k] = struct{}{}
		}
	}
	for _, p := range panics {
		if p != nil {
			parent.release()
			panic(p)
		}
	}
	if race {
		if w := r.raceWinner(frames, stopped); w >= 0 {
			parent.release()
			return w, nil
		}
	}
	for _, s := range stopped {
		if s {
			parent.stop()
		}
	}
	parent.release()
	return 0, nil
}

// raceWinner picks the winner of a race whose branches all ended, or returns -1
// when the calling goroutine must stop: no branch returned, or (in a targeted
// call) a branch reported an op, the targeted step's. With a winner, the
// losers' ops are dropped and the rest of the call plans its steps.
func (r *Run) raceWinner(frames []*frame, stopped []bool) int {
	win := -1
	for i, fr := range frames {
		if stopped[i] {
			continue
		}
		if win < 0 || fr.lastPos < frames[win].lastPos {
			win = i
		}
	}
	if win < 0 {
		return -1
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	under := func(p, prefix []int) bool { return len(p) >= len(prefix) && slices.Equal(p[:len(prefix)], prefix) }
	if r.target != "" {
		for _, o := range r.ops {
			for _, fr := range frames {
				if under(o.path, fr.path) {
					return -1
				}
			}
		}
	}
	r.ops = slices.DeleteFunc(r.ops, func(o reported) bool {
		for i, fr := range frames {
			if i != win && under(o.path, fr.path) {
				return true
			}
		}
		return false
	})
	r.planRest = true
	return win
}
