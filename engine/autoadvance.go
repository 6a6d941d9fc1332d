package engine

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
)

// earliestNonCron returns the earliest time of a timer in h other than cron
// timers. It walks the heap from its top and descends only below cron
// timers (a timer's descendants are never due earlier), so it visits at
// most twice as many timers as there are cron timers, plus one, instead of
// the whole heap; visited says how many it looked at.
func earliestNonCron(h timerHeap) (at time.Time, ok bool, visited int) {
	if len(h) == 0 {
		return time.Time{}, false, 0
	}
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		q := h[i]
		visited++
		if ok && !q.t.At.Before(at) {
			continue // neither it nor its descendants are earlier
		}
		if q.t.Kind != enginestore.TimerCron {
			at, ok = q.t.At, true
			continue
		}
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) {
				stack = append(stack, c)
			}
		}
	}
	return at, ok, visited
}
