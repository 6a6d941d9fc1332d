package exec

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestEventIDSeed: a step's event id seed is the same on every attempt of the
// step, differs between steps, starts with the run id's ULID time, and is absent
// outside a step.
func TestEventIDSeed(t *testing.T) {
	t.Parallel()
	seedsOf := func(attempt int) (outside bool, seeds map[string]string) {
		seeds = map[string]string{}
		execute(t, callOpts{attempt: attempt}, func(ctx context.Context, _ *Input) ([]byte, error) {
			_, outside = EventIDSeed(WithEventIDSeed(ctx))
			for _, id := range []string{"send", "send", "other"} {
				s, err := Begin(ctx, id)
				require.NoError(t, err)
				seed, ok := EventIDSeed(WithEventIDSeed(s.StepContext(ctx)))
				require.True(t, ok)
				seeds[s.Hash] = seed
				s.f.release()
			}
			return nil, nil
		})
		return outside, seeds
	}
	outside, first := seedsOf(0)
	require.False(t, outside)
	_, retry := seedsOf(3)
	require.Equal(t, first, retry)
	require.Len(t, first, 3)
	distinct := map[string]bool{}
	ms, err := wire.ULIDTime("01HZZZZZZZZZZZZZZZZZZZZZZZ")
	require.NoError(t, err)
	for _, seed := range first {
		distinct[seed] = true
		prefix, entropy, ok := strings.Cut(seed, ",")
		require.True(t, ok, seed)
		require.Equal(t, strconv.FormatInt(ms.UnixMilli(), 10), prefix)
		require.NotEmpty(t, entropy)
	}
	require.Len(t, distinct, 3)
}
