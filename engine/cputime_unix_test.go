//go:build unix

package engine_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process used so far, all
// threads included (the engine's loop, the GC), for the cpu-ns/op metric.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
