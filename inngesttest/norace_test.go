//go:build !race

package inngesttest_test

// raceEnabled reports whether the race detector is on; it makes multi-megabyte
// JSON handling too slow for some tests.
const raceEnabled = false
