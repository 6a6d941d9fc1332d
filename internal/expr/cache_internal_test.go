package expr

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLRUBounded(t *testing.T) {
	t.Parallel()
	c := newLRU(3)
	for i := range 10 {
		c.put(cacheKey{kind: Key, src: fmt.Sprint(i)}, cacheEntry{})
	}
	require.Equal(t, 3, c.len())
	_, ok := c.get(cacheKey{kind: Key, src: "0"})
	require.False(t, ok)
	_, ok = c.get(cacheKey{kind: Key, src: "7"})
	require.True(t, ok)
	c.put(cacheKey{kind: Key, src: "10"}, cacheEntry{})
	_, ok = c.get(cacheKey{kind: Key, src: "7"})
	require.True(t, ok, "recently used entries survive")
	_, ok = c.get(cacheKey{kind: Key, src: "8"})
	require.False(t, ok)
}
