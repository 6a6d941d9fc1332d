package flow

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConcurrency(t *testing.T) {
	t.Parallel()
	type op struct {
		release     bool
		key, holder string
		want        bool // for acquire
		inUse       int  // InUse(key) after the op
	}
	tests := []struct {
		name  string
		limit int
		ops   []op
	}{
		{"limit one serialises", 1, []op{
			{key: "u1", holder: "r1", want: true, inUse: 1},
			{key: "u1", holder: "r2", want: false, inUse: 1},
			{release: true, key: "u1", holder: "r1", inUse: 0},
			{key: "u1", holder: "r2", want: true, inUse: 1},
		}},
		{"same holder is idempotent", 2, []op{
			{key: "", holder: "r1", want: true, inUse: 1},
			{key: "", holder: "r1", want: true, inUse: 1},
			{key: "", holder: "r2", want: true, inUse: 2},
			{key: "", holder: "r3", want: false, inUse: 2},
		}},
		{"keys are independent", 1, []op{
			{key: "a", holder: "r1", want: true, inUse: 1},
			{key: "b", holder: "r2", want: true, inUse: 1},
			{key: "a", holder: "r3", want: false, inUse: 1},
		}},
		{"release of unknown holder is a no-op", 1, []op{
			{release: true, key: "a", holder: "nobody", inUse: 0},
			{key: "a", holder: "r1", want: true, inUse: 1},
			{release: true, key: "a", holder: "r2", inUse: 1},
		}},
		{"zero limit is unlimited", 0, []op{
			{key: "a", holder: "r1", want: true, inUse: 1},
			{key: "a", holder: "r2", want: true, inUse: 2},
			{key: "a", holder: "r3", want: true, inUse: 3},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := NewConcurrency(tc.limit)
			for i, o := range tc.ops {
				if o.release {
					c.Release(o.key, o.holder)
				} else {
					require.Equal(t, o.want, c.TryAcquire(o.key, o.holder), "op %d", i)
				}
				require.Equal(t, o.inUse, c.InUse(o.key), "op %d", i)
			}
		})
	}
}

func TestConcurrencyReleasedKeysAreForgotten(t *testing.T) {
	t.Parallel()
	c := NewConcurrency(1)
	for i := range 10000 {
		k := strconv.Itoa(i)
		require.True(t, c.TryAcquire(k, "r"))
		c.Release(k, "r")
	}
	require.LessOrEqual(t, len(c.keys), 2*minPruneSize)
}

// TestConcurrencyHold checks that Hold takes a slot over the limit (a
// restored run), once per holder, and that Holds reports it.
func TestConcurrencyHold(t *testing.T) {
	t.Parallel()
	c := NewConcurrency(1)
	require.True(t, c.TryAcquire("k", "a"))
	require.False(t, c.Holds("k", "b"))
	c.Hold("k", "b")
	c.Hold("k", "b")
	require.True(t, c.Holds("k", "b"))
	require.Equal(t, 2, c.InUse("k"))
	c.Release("k", "a")
	require.False(t, c.TryAcquire("k", "c"), "b still fills the limit")
	c.Release("k", "b")
	require.False(t, c.Holds("k", "b"))
	require.True(t, c.TryAcquire("k", "c"))
}
