package flow

import (
	"strconv"
	"testing"
	"time"
)

func BenchmarkConcurrencyAcquireRelease(b *testing.B) {
	c := NewConcurrency(10)
	holders := make([]string, 64)
	for i := range holders {
		holders[i] = "run-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h := holders[i%len(holders)]
		if c.TryAcquire("acct", h) {
			c.Release("acct", h)
		}
		i++
	}
}

func BenchmarkConcurrencyAcquireReleaseParallel(b *testing.B) {
	c := NewConcurrency(10)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if c.TryAcquire("acct", "run") {
				c.Release("acct", "run")
			}
		}
	})
}

func BenchmarkThrottleReserve(b *testing.B) {
	th := NewThrottle(100, time.Second, 10)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		th.Reserve("acct", at(time.Duration(i)*time.Millisecond))
		i++
	}
}
