package exec

import (
	"reflect"
	"runtime"
)

// sdkGoroutineName is the full name of sdkGoroutine as runtime frames report it,
// taken from the function itself so that it is right under any module path (a
// fork, a vendored or renamed copy).
var sdkGoroutineName = runtime.FuncForPC(reflect.ValueOf(sdkGoroutine).Pointer()).Name()

// sdkGoroutine runs body. The SDK starts the goroutines that may run steps (a
// function's body, a Parallel branch) through it, so that a step can tell them
// from a goroutine the user started: sdkGoroutine is then at the bottom of the
// stack, under the go statement's wrapper.
//
//go:noinline
func sdkGoroutine(body func()) { body() }

// onSDKGoroutine reports whether the caller runs on a goroutine started through
// sdkGoroutine. It walks program counters (no stack text, no goroutine id); the
// cost grows with the stack's depth, and it is only paid by steps that execute or
// report, never by memoized ones.
func onSDKGoroutine() bool {
	var buf [64]uintptr
	pcs := buf[:]
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	// The bottom frames are runtime.goexit, the go statement's wrapper and, on an
	// SDK goroutine, sdkGoroutine (never inlined, so its frame is its own).
	for _, pc := range pcs[max(0, len(pcs)-4):] {
		if fn := runtime.FuncForPC(pc - 1); fn != nil && fn.Name() == sdkGoroutineName {
			return true
		}
	}
	return false
}
