package wire

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EventIDSeedEntropySize is the number of random bytes in an
// X-Inngest-Event-Id-Seed value; it equals the ULID entropy size.
const EventIDSeedEntropySize = 10

// ulidLen is the length of a ULID in Crockford base32.
const ulidLen = 26

// maxULIDTime is the largest millisecond timestamp a ULID can hold (48 bits).
const maxULIDTime = 1<<48 - 1

// crockford is the ULID alphabet (Crockford base32 without I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Errors returned by EventIDsFromSeed and ULIDTime.
var (
	// ErrEventIDSeed means an X-Inngest-Event-Id-Seed value could not be parsed.
	ErrEventIDSeed = errors.New("inngest: malformed X-Inngest-Event-Id-Seed")
	// ErrULID means a string is not a 26-character Crockford base32 ULID.
	ErrULID = errors.New("inngest: malformed ULID")
)

// NewEventIDSeed returns a fresh X-Inngest-Event-Id-Seed header value:
// "<unix ms>,<standard base64 of 10 random bytes>" (crypto/rand). The server
// derives the sent events' ids from it (see EventIDsFromSeed), so a retried
// send with the same seed yields the same ids.
func NewEventIDSeed(now time.Time) string {
	var ent [EventIDSeedEntropySize]byte
	_, _ = rand.Read(ent[:]) // crypto/rand.Read never returns an error
	buf := make([]byte, 0, 20+1+base64.StdEncoding.EncodedLen(len(ent)))
	buf = strconv.AppendInt(buf, now.UnixMilli(), 10)
	buf = append(buf, ',')
	buf = base64.StdEncoding.AppendEncode(buf, ent[:])
	return string(buf)
}

// EventIDsFromSeed derives the ids of n events sent with the seed header
// value seed, as the server does: event i (0-based) gets the ULID whose
// 48-bit time part is the seed's milliseconds and whose 80-bit random part is
// the seed's 10 bytes plus i+1, added as big-endian 80-bit integers (wrapping
// modulo 2^80). The capture wire/send-event.jsonl #5 pins this: seed
// "1795726726924,BLxXnFZhq118FA==" gave "01M8CTENRC0JY5F72PC6NNTZ0N".
//
// It returns ErrEventIDSeed (wrapped) when seed is not "<ms>,<base64>" with a
// non-negative 48-bit ms and exactly 10 entropy bytes, or when n is negative.
func EventIDsFromSeed(seed string, n int) ([]string, error) {
	if n < 0 {
		return nil, errors.Join(ErrEventIDSeed, errors.New("inngest: negative event count"))
	}
	msPart, entPart, ok := strings.Cut(seed, ",")
	if !ok {
		return nil, ErrEventIDSeed
	}
	ms, err := strconv.ParseInt(msPart, 10, 64)
	if err != nil || ms < 0 || ms > maxULIDTime || msPart[0] == '+' {
		return nil, ErrEventIDSeed
	}
	var ent [EventIDSeedEntropySize]byte
	if base64.StdEncoding.DecodedLen(len(entPart)) > len(ent)+2 {
		return nil, ErrEventIDSeed
	}
	var dec [EventIDSeedEntropySize + 3]byte
	m, err := base64.StdEncoding.Decode(dec[:], []byte(entPart))
	if err != nil || m != EventIDSeedEntropySize {
		return nil, ErrEventIDSeed
	}
	copy(ent[:], dec[:m])
	ids := make([]string, n)
	for i := range ids {
		e := ent
		addEntropy(&e, uint64(i)+1)
		ids[i] = encodeULID(uint64(ms), &e)
	}
	return ids, nil
}

// addEntropy adds v to the 80-bit big-endian integer e, wrapping on overflow.
func addEntropy(e *[EventIDSeedEntropySize]byte, v uint64) {
	carry := v
	for i := len(e) - 1; i >= 0 && carry != 0; i-- {
		s := uint64(e[i]) + carry&0xFF
		e[i] = byte(s)
		carry = carry>>8 + s>>8
	}
}

// encodeULID formats a 48-bit millisecond time and 80 bits of entropy as a
// 26-character ULID.
func encodeULID(ms uint64, ent *[EventIDSeedEntropySize]byte) string {
	// The 128-bit value as hi:lo.
	hi := ms<<16 | uint64(ent[0])<<8 | uint64(ent[1])
	var lo uint64
	for _, b := range ent[2:] {
		lo = lo<<8 | uint64(b)
	}
	var out [ulidLen]byte
	for j := range ulidLen {
		shift := uint(5 * (ulidLen - 1 - j))
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift > 59:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		out[j] = crockford[v&31]
	}
	return string(out[:])
}

// decodeCrockford returns the 5-bit value of a ULID character (either case).
func decodeCrockford(c byte) (uint64, bool) {
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	i := strings.IndexByte(crockford, c)
	if i < 0 {
		return 0, false
	}
	return uint64(i), true
}

// ULIDTime returns the millisecond timestamp stored in a ULID, in UTC. It
// accepts either letter case and returns ErrULID when id is not 26 valid
// Crockford base32 characters starting with 0–7.
func ULIDTime(id string) (time.Time, error) {
	if len(id) != ulidLen || id[0] > '7' {
		return time.Time{}, ErrULID
	}
	var ms uint64
	for i := range len(id) {
		v, ok := decodeCrockford(id[i])
		if !ok {
			return time.Time{}, ErrULID
		}
		if i < 10 {
			ms = ms<<5 | v
		}
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// ulidState makes NewULID monotonic within the process.
var ulidState struct {
	sync.Mutex
	used bool
	ms   uint64
	ent  [EventIDSeedEntropySize]byte
}

// NewULID returns a fresh ULID for the time now (clamped to the 48-bit ULID
// range) with crypto/rand entropy. It is safe for concurrent use. Ids made in
// the same millisecond are strictly increasing: the previous id's entropy
// plus one. When now is earlier than the last id's millisecond, or in the
// practically impossible case that the 80-bit entropy would wrap, fresh
// random entropy is used, so the time part always reflects now.
func NewULID(now time.Time) string {
	msi := now.UnixMilli()
	var ms uint64
	switch {
	case msi < 0:
		ms = 0
	case msi > maxULIDTime:
		ms = maxULIDTime
	default:
		ms = uint64(msi)
	}
	ulidState.Lock()
	defer ulidState.Unlock()
	e := &ulidState.ent
	if ulidState.used && ms == ulidState.ms && !entropyAllOnes(e) {
		addEntropy(e, 1)
	} else {
		_, _ = rand.Read(e[:]) // never returns an error
		ulidState.ms, ulidState.used = ms, true
	}
	return encodeULID(ms, e)
}

func entropyAllOnes(e *[EventIDSeedEntropySize]byte) bool {
	for _, b := range e {
		if b != 0xFF {
			return false
		}
	}
	return true
}
