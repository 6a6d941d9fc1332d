package sqlitestore

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxDecodeAlloc bounds what decoding corrupt bytes may allocate, as a
// multiple of their length.
const maxDecodeAlloc = 32

// A corrupt header whose list length claims as many elements as the bytes
// left could hold (or more) fails having allocated at most a small multiple
// of its length, whatever the list. Not parallel: it reads the process's
// allocation count.
func TestACorruptListLengthAllocatesLittle(t *testing.T) {
	const size = 1 << 20
	// header writes a header up to list (0 EventIDs, 1 Events, 2 Waits,
	// 3 Keys), whose count is n, then size zero bytes.
	header := func(list, n int) []byte {
		e := &enc{}
		for range 5 {
			e.str("x")
		}
		e.bytes(nil)
		e.bool(false)
		for i := range list {
			e.count(0, true)
			if i == 1 { // between Events and Waits
				e.time(itemsT0)
				e.time(itemsT0)
				e.int(0)
				e.int(0)
				e.int(0)
				e.str("")
			}
			if i == 2 { // between Waits and Keys
				e.int(0)
				e.bool(false)
				e.int(0)
				e.bool(false)
				e.bool(false)
				e.int(0)
				e.str("")
				e.int(0)
			}
		}
		e.count(n, false)
		return append(e.b, make([]byte, size)...)
	}
	for list, name := range []string{"event IDs", "events", "waits", "keys"} {
		for _, n := range []int{size, size / 2, size / 5} {
			b := header(list, n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := decodeHeader(b)
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, err, errCorrupt, "%s: %d", name, n)
			alloc := after.TotalAlloc - before.TotalAlloc
			require.LessOrEqual(t, alloc, uint64(maxDecodeAlloc*len(b)), "%s: %d claimed: %d bytes allocated for %d", name, n, alloc, len(b))
		}
	}
}
