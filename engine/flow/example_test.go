package flow_test

import (
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/flow"
)

// Two events for the same user 1 ms apart with a 2 s debounce produce one
// run carrying only the last event, 2 s after it plus the server's 1.05 s
// delay (DebounceDelay).
func ExampleDebounce() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := flow.NewDebounce[string](2*time.Second, 10*time.Second)

	d.Add("u1", "event n=1", start)
	fireAt := d.Add("u1", "event n=2", start.Add(time.Millisecond))
	fmt.Println("fires after", fireAt.Sub(start))

	fmt.Println("due at 1s:", len(d.Due(start.Add(time.Second))))
	for _, f := range d.Due(fireAt) {
		fmt.Println("run for", f.Key, "with", f.Event)
	}
	// Output:
	// fires after 3.051s
	// due at 1s: 0
	// run for u1 with event n=2
}

// A throttle of 2 runs per minute with a burst of 1: an idle key starts
// three runs at once (the limit plus the burst, as the server does), then
// one every 30 s. Runs over the limit are delayed, never dropped.
func ExampleThrottle() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := flow.NewThrottle(2, time.Minute, 1)
	for i := range 5 {
		fmt.Printf("run %d starts at +%v\n", i, th.Reserve("acct", start).Sub(start))
	}
	// Output:
	// run 0 starts at +0s
	// run 1 starts at +0s
	// run 2 starts at +0s
	// run 3 starts at +30s
	// run 4 starts at +1m0s
}
