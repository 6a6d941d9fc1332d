package exec

import (
	"context"
	"strconv"
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// beginIDs begins each id on ctx's frame and returns the pre-hash id each step
// was given (id, or id:index), checking that its hash is that id's.
func beginIDs(t *testing.T, ctx context.Context, ids ...string) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		s, err := Begin(ctx, id)
		require.NoError(t, err)
		s.f.release()
		pre := id
		if s.Index > 0 {
			pre = id + ":" + strconv.Itoa(s.Index)
		}
		require.Equal(t, wire.HashID(pre, 0), s.Hash, "step %q index %d", id, s.Index)
		out = append(out, pre)
	}
	return out
}

// TestClaimSkipsTakenIDs: a repeat index whose id another step already took is
// skipped (the JavaScript SDK's rule); ids taken in Parallel branches stay
// taken for the function's later steps.
func TestClaimSkipsTakenIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ids, want []string
	}{
		{[]string{"a", "b", "a", "a"}, []string{"a", "b", "a:1", "a:2"}},
		{[]string{"charge", "charge", "charge:1"}, []string{"charge", "charge:1", "charge:1:1"}},
		{[]string{"charge", "charge:1", "charge"}, []string{"charge", "charge:1", "charge:2"}},
		{[]string{"x:2", "x", "x", "x", "x"}, []string{"x:2", "x", "x:1", "x:3", "x:4"}},
		{[]string{"x:1", "x:1", "x", "x"}, []string{"x:1", "x:1:1", "x", "x:2"}},
	} {
		var got []string
		r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
			got = beginIDs(t, ctx, tc.ids...)
			return []byte("null"), nil
		})
		require.Equal(t, 200, r.Status, "body: %s", r.Body)
		require.Equal(t, tc.want, got, "ids %q", tc.ids)
	}

	var branch, after []string
	r := execute(t, callOpts{}, func(ctx context.Context, _ *Input) ([]byte, error) {
		require.NoError(t, Parallel(ctx, 2, func(ctx context.Context, i int) {
			if i == 1 {
				branch = beginIDs(t, ctx, "pay:1")
			}
		}))
		after = beginIDs(t, ctx, "pay", "pay")
		return []byte("null"), nil
	})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	require.Equal(t, []string{"pay:1"}, branch)
	require.Equal(t, []string{"pay", "pay:2"}, after)
}
