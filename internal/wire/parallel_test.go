package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWithParallelMode: the mode is merged into an op's opts, replacing one
// already there, and read back as the server reads it (a string, else none).
func TestWithParallelMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		``:                        `{"parallelMode":"race"}`,
		`null`:                    `{"parallelMode":"race"}`,
		`{"duration":"1s"}`:       `{"duration":"1s","parallelMode":"race"}`,
		`{"parallelMode":"wait"}`: `{"parallelMode":"race"}`,
	} {
		got := WithParallelMode(json.RawMessage(in), ParallelModeRace)
		require.JSONEq(t, want, string(got), "in %q", in)
		require.Equal(t, ParallelModeRace, ParallelModeOf(got))
	}
	require.Equal(t, "", ParallelModeOf(json.RawMessage(`{"parallelMode":3}`)))
	require.Equal(t, "", ParallelModeOf(nil))
}
