package exec

import (
	"context"
	"runtime/debug"
	"sync"
)

// Parallel runs n branches concurrently, each on its own goroutine with its own
// frame. When every branch returned, Parallel returns nil. When any branch stopped
// (it reported an op, or skipped in a targeted call), the calling goroutine stops too
// with runtime.Goexit once all branches ended, so all ops go out together. A panic in
// a branch is re-raised on the calling goroutine.
func Parallel(ctx context.Context, n int, branch func(ctx context.Context, i int)) error {
	parent := frameFrom(ctx)
	if parent == nil {
		return ErrNoRun
	}
	r := parent.run
	if r.finished.Load() {
		return ErrRunFinished
	}
	if parent.inStep {
		return ErrNested
	}
	// The parent frame is busy while its branches run: a step on its ctx from a
	// branch is refused with ErrStray.
	if !onSDKGoroutine() {
		return ErrStray
	}
	if !parent.state.CompareAndSwap(frameIdle, frameBusy) {
		if parent.state.Load() == frameStopped {
			return ErrRunFinished
		}
		return ErrStray
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
		fr := &frame{run: r, path: path, parallel: true, counts: counts, taken: taken}
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
	for _, s := range stopped {
		if s {
			parent.stop()
		}
	}
	parent.release()
	return nil
}
