package wire

import (
	"crypto/sha1" //nolint:gosec // SHA-1 is what the protocol uses for step ids, not for security.
	"encoding/hex"
	"strconv"
)

// HashID returns the wire id of a step: lowercase hex SHA-1 of id when n is
// 0, else of id + ":" + n. n is how many times the same id was already used
// in this execution (PROTOCOL §5.1): HashID("item", 0), HashID("item", 1)
// and HashID("item", 2) hash "item", "item:1" and "item:2". Negative n is
// treated like any other number ("item:-1").
//
// The result string is the only heap allocation for ids up to about 100 bytes.
func HashID(id string, n int) string {
	var buf [128]byte
	b := append(buf[:0], id...)
	if n != 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	sum := sha1.Sum(b) //nolint:gosec // see import
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
