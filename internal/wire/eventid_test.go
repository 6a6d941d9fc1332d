package wire

import (
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEventIDsFromSeedCapture(t *testing.T) {
	t.Parallel()
	v := loadCapture(t)
	ids, err := EventIDsFromSeed(v.EventIDSeed, len(v.EventIDs))
	require.NoError(t, err)
	require.Equal(t, v.EventIDs, ids)
	ts, err := ULIDTime(ids[0])
	require.NoError(t, err)
	require.Equal(t, int64(1795726726924), ts.UnixMilli())
}

func TestEventIDsFromSeed(t *testing.T) {
	t.Parallel()
	zero := base64.StdEncoding.EncodeToString(make([]byte, 10))
	ones := base64.StdEncoding.EncodeToString([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe})
	max := base64.StdEncoding.EncodeToString([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	tests := []struct {
		name string
		seed string
		n    int
		want []string
	}{
		{"zero entropy, index adds 1..n", "0," + zero, 3,
			[]string{"00000000000000000000000001", "00000000000000000000000002", "00000000000000000000000003"}},
		{"carry across bytes", "0," + ones, 2,
			[]string{"00000000000000000000001ZZZ", "00000000000000000000002000"}}, // 0xffff, 0x10000
		{"wraps modulo 2^80", "1," + max, 1, []string{"00000000010000000000000000"}},
		{"max time", strconv.Itoa(1<<48-1) + "," + zero, 1, []string{"7ZZZZZZZZZ0000000000000001"}},
		{"n=0", "0," + zero, 0, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := EventIDsFromSeed(tc.seed, tc.n)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestEventIDsFromSeedErrors(t *testing.T) {
	t.Parallel()
	ent := base64.StdEncoding.EncodeToString(make([]byte, 10))
	for _, seed := range []string{
		"", "123", ",", "abc," + ent, "-1," + ent, "+1," + ent,
		strconv.Itoa(1<<48) + "," + ent,
		"1,", "1,!!!!", "1," + base64.StdEncoding.EncodeToString(make([]byte, 9)),
		"1," + base64.StdEncoding.EncodeToString(make([]byte, 11)),
		"1," + base64.StdEncoding.EncodeToString(make([]byte, 100)),
		"1," + base64.RawStdEncoding.EncodeToString(make([]byte, 10)),
	} {
		t.Run(seed, func(t *testing.T) {
			t.Parallel()
			_, err := EventIDsFromSeed(seed, 1)
			require.ErrorIs(t, err, ErrEventIDSeed)
		})
	}
	_, err := EventIDsFromSeed("1,"+ent, -1)
	require.ErrorIs(t, err, ErrEventIDSeed)
}

func TestNewEventIDSeed(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1795726726924)
	seed := NewEventIDSeed(now)
	ms, ent, ok := strings.Cut(seed, ",")
	require.True(t, ok)
	require.Equal(t, "1795726726924", ms)
	raw, err := base64.StdEncoding.DecodeString(ent)
	require.NoError(t, err)
	require.Len(t, raw, 10)
	require.NotEqual(t, seed, NewEventIDSeed(now))
	ids, err := EventIDsFromSeed(seed, 2)
	require.NoError(t, err)
	require.Len(t, ids, 2)
	require.Less(t, ids[0], ids[1])
	for _, id := range ids {
		ts, err := ULIDTime(id)
		require.NoError(t, err)
		require.True(t, ts.Equal(now))
	}
}

func TestULIDTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id      string
		wantMS  int64
		wantErr bool
	}{
		{"01M8CTENRC0JY5F72PC6NNTZ0N", 1795726726924, false},
		{"01m8ctenrc0jy5f72pc6nntz0n", 1795726726924, false},
		{"00000000000000000000000000", 0, false},
		{"7ZZZZZZZZZZZZZZZZZZZZZZZZZ", 1<<48 - 1, false},
		{"8ZZZZZZZZZZZZZZZZZZZZZZZZZ", 0, true}, // overflows 128 bits
		{"01M8CTENRC0JY5F72PC6NNTZ0", 0, true},
		{"01M8CTENRC0JY5F72PC6NNTZ0NN", 0, true},
		{"01M8CTENRC0JY5F72PC6NNTZ0U", 0, true}, // U is not in the alphabet
		{"01M8CTENRC0JY5F72PC6NNTZ0-", 0, true},
		{"", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			ts, err := ULIDTime(tc.id)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrULID)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantMS, ts.UnixMilli())
			require.Equal(t, time.UTC, ts.Location())
		})
	}
}

// TestNewULID is not parallel: the monotonic state is process-wide, and another
// test calling NewULID with a different millisecond in between would (correctly)
// restart the sequence with fresh entropy.
func TestNewULID(t *testing.T) {
	now := time.UnixMilli(1795726726924)
	prev := NewULID(now)
	for range 1000 {
		id := NewULID(now)
		require.Len(t, id, 26)
		require.Greater(t, id, prev, "monotonic within one millisecond")
		prev = id
	}
	ts, err := ULIDTime(prev)
	require.NoError(t, err)
	require.True(t, ts.Equal(now))

	earlier := NewULID(now.Add(-time.Hour))
	ts, err = ULIDTime(earlier)
	require.NoError(t, err)
	require.True(t, ts.Equal(now.Add(-time.Hour)), "time part follows now even when the clock goes back")

	ts, err = ULIDTime(NewULID(time.UnixMilli(-5)))
	require.NoError(t, err)
	require.Equal(t, int64(0), ts.UnixMilli(), "clamped")
}

func TestNewULIDConcurrent(t *testing.T) {
	t.Parallel()
	const workers, per = 8, 200
	now := time.UnixMilli(1_900_000_000_000)
	var mu sync.Mutex
	seen := make(map[string]bool, workers*per)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			local := make([]string, 0, per)
			for range per {
				local = append(local, NewULID(now))
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range local {
				seen[id] = true
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, workers*per)
}

func TestEncodeULIDRoundTrip(t *testing.T) {
	t.Parallel()
	ent := [10]byte{0x04, 0xbc, 0x57, 0x9c, 0x56, 0x61, 0xab, 0x5d, 0x7c, 0x14}
	addEntropy(&ent, 1)
	require.Equal(t, "01M8CTENRC0JY5F72PC6NNTZ0N", encodeULID(1795726726924, &ent))
}
