package exec

import "runtime"

// goid returns the current goroutine's id, parsed from the first line of its stack
// ("goroutine 123 [running]:"). It is used only to tell a step called from the
// function's own goroutine from one called by a stray goroutine.
func goid() uint64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	b = b[len(prefix):]
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
