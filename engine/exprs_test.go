package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Wait expressions with pasted values are all distinct: compiling many of
// them keeps a bounded number of programs (the engine's 4096-entry LRU), not
// one per expression ever seen; and each engine has its own cache.
func TestExpressionCacheIsBounded(t *testing.T) {
	t.Parallel()
	e, err := engine.New(engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	other, err := engine.New(engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, other.Close()) })
	const distinct = 4200
	for i := range distinct {
		require.NoError(t, e.CompileWaitForTest(fmt.Sprintf("async.data.n == %d", i)))
	}
	require.Equal(t, 4096, e.ExprProgramsForTest())
	require.Zero(t, other.ExprProgramsForTest(), "another engine shares no program")
}
