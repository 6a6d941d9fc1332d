package exec

import (
	"context"
	"runtime"
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
	if goid() != parent.gid {
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
		fr := &frame{run: r, path: path, parallel: true, counts: counts}
		frames[i] = fr
		go func(i int) {
			defer wg.Done()
			fr.gid = goid()
			returned := false
			defer func() {
				if returned {
					return
				}
				if p := recover(); p != nil {
					panics[i] = p
					return
				}
				stopped[i] = true
			}()
			branch(withFrame(ctx, fr), i)
			returned = true
		}(i)
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
	}
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	for _, s := range stopped {
		if s {
			runtime.Goexit()
		}
	}
	return nil
}
