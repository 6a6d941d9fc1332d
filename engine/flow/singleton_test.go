package flow

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSingleton(t *testing.T) {
	t.Parallel()
	type op struct {
		done       bool
		key, run   string
		wantStart  bool
		wantCancel string
	}
	tests := []struct {
		name string
		mode string
		ops  []op
	}{
		{"skip drops the new run", SingletonSkip, []op{
			{key: "u1", run: "r1", wantStart: true},
			{key: "u1", run: "r2", wantStart: false},
			{key: "u2", run: "r3", wantStart: true},
			{done: true, key: "u1", run: "r1"},
			{key: "u1", run: "r4", wantStart: true},
		}},
		{"start is idempotent for the holder", SingletonSkip, []op{
			{key: "", run: "r1", wantStart: true},
			{key: "", run: "r1", wantStart: true},
		}},
		{"cancel replaces the running run", SingletonCancel, []op{
			{key: "u1", run: "r1", wantStart: true},
			{key: "u1", run: "r2", wantStart: true, wantCancel: "r1"},
			{done: true, key: "u1", run: "r1"}, // the cancelled run finishing frees nothing
			{key: "u1", run: "r3", wantStart: true, wantCancel: "r2"},
			{done: true, key: "u1", run: "r3"},
			{key: "u1", run: "r4", wantStart: true},
		}},
		{"mode is case-insensitive", "Cancel", []op{
			{key: "k", run: "r1", wantStart: true},
			{key: "k", run: "r2", wantStart: true, wantCancel: "r1"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewSingleton(tc.mode)
			require.NoError(t, err)
			for i, o := range tc.ops {
				if o.done {
					s.Done(o.key, o.run)
					continue
				}
				start, cancel := s.Start(o.key, o.run)
				require.Equal(t, o.wantStart, start, "op %d", i)
				require.Equal(t, o.wantCancel, cancel, "op %d", i)
			}
		})
	}
}

func TestSingletonBadMode(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"", "queue", "skip "} {
		_, err := NewSingleton(mode)
		require.ErrorContains(t, err, "inngest: singleton mode")
	}
	s, err := NewSingleton(SingletonSkip)
	require.NoError(t, err)
	_, ok := s.Running("k")
	require.False(t, ok)
	s.Start("k", "r1")
	run, ok := s.Running("k")
	require.True(t, ok)
	require.Equal(t, "r1", run)
}
