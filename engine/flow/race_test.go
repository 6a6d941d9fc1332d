package flow

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	raceWorkers = 16
	raceOps     = 300
)

// hammer runs fn(worker, op) from raceWorkers goroutines at once. fn must
// report failures with assert, not require (no FailNow off the test goroutine).
func hammer(fn func(w, i int)) {
	var wg sync.WaitGroup
	for w := range raceWorkers {
		wg.Go(func() {
			for i := range raceOps {
				fn(w, i)
			}
		})
	}
	wg.Wait()
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	t.Run("concurrency never exceeds its limit", func(t *testing.T) {
		t.Parallel()
		c := NewConcurrency(3)
		var held, peak atomic.Int64
		hammer(func(w, i int) {
			h := fmt.Sprint(w, "-", i)
			if c.TryAcquire("k", h) {
				n := held.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				assert.LessOrEqual(t, c.InUse("k"), 3)
				held.Add(-1)
				c.Release("k", h)
			}
		})
		require.LessOrEqual(t, peak.Load(), int64(3))
		require.Zero(t, c.InUse("k"))
	})
	t.Run("throttle hands out distinct slots", func(t *testing.T) {
		t.Parallel()
		th := NewThrottle(1, time.Second, 0)
		var mu sync.Mutex
		seen := map[time.Time]bool{}
		hammer(func(_, _ int) {
			s := th.Reserve("k", t0)
			mu.Lock()
			defer mu.Unlock()
			assert.False(t, seen[s])
			seen[s] = true
		})
		require.Len(t, seen, raceWorkers*raceOps)
	})
	t.Run("rate limit allows exactly 1+limit/10 at once", func(t *testing.T) {
		t.Parallel()
		r := NewRateLimit(100, time.Hour)
		var allowed atomic.Int64
		hammer(func(w, i int) {
			if r.Allow("k", at(time.Duration(i))) {
				allowed.Add(1)
			}
			r.Allow(fmt.Sprint(w), at(time.Duration(i)*time.Hour)) // churn keys for pruning
		})
		require.Equal(t, int64(11), allowed.Load())
	})
	t.Run("idempotency lets one through", func(t *testing.T) {
		t.Parallel()
		id := NewIdempotency(0)
		var first atomic.Int64
		hammer(func(_, _ int) {
			if id.FirstSeen("k", t0) {
				first.Add(1)
			}
		})
		require.Equal(t, int64(1), first.Load())
	})
	t.Run("debounce and batch lose no series or events", func(t *testing.T) {
		t.Parallel()
		d := NewDebounce[int](time.Second, 0)
		b := NewBatch[int](7, time.Second)
		var fired, events atomic.Int64
		hammer(func(w, i int) {
			now := at(time.Duration(i) * time.Millisecond)
			d.Add(fmt.Sprint(w), i, now)
			if full := b.Add(fmt.Sprint(w%4), i, now); full != nil {
				events.Add(int64(len(full)))
			}
			if i%50 == 0 {
				fired.Add(int64(len(d.Due(now))))
				for _, f := range b.Due(now) {
					events.Add(int64(len(f.Events)))
				}
				d.NextDue()
				b.NextDue()
			}
		})
		fired.Add(int64(len(d.Due(at(time.Hour)))))
		for _, f := range b.Due(at(time.Hour)) {
			events.Add(int64(len(f.Events)))
		}
		require.Equal(t, int64(raceWorkers), fired.Load())
		require.Equal(t, int64(raceWorkers*raceOps), events.Load())
	})
	t.Run("singleton keeps one holder", func(t *testing.T) {
		t.Parallel()
		s, err := NewSingleton(SingletonCancel)
		require.NoError(t, err)
		hammer(func(w, i int) {
			run := fmt.Sprint(w, "-", i)
			start, _ := s.Start("k", run)
			assert.True(t, start)
			s.Done("k", run)
		})
	})
}
