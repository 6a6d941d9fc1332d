package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// Wait expressions with pasted values are all distinct: compiling many of
// them keeps a bounded number of programs (the expression package's 4096-entry
// LRU), not one per expression ever seen.
func TestExpressionCacheIsBounded(t *testing.T) {
	t.Parallel()
	const distinct = 4200
	for i := range distinct {
		require.NoError(t, engine.CompileWaitForTest(fmt.Sprintf("async.data.n == %d", i)))
	}
	require.LessOrEqual(t, engine.ExprProgramsForTest(), 4096)
}
