package flow

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQueueOrdering(t *testing.T) {
	t.Parallel()
	type push struct {
		item     string
		readyAt  time.Duration
		priority int64
	}
	tests := []struct {
		name   string
		pushes []push
		now    time.Duration
		want   []string
	}{
		{"by ready time", []push{{"c", 3, 0}, {"a", 1, 0}, {"b", 2, 0}}, 10, []string{"a", "b", "c"}},
		{"then higher priority", []push{{"low", 1, -5}, {"high", 1, 100}, {"mid", 1, 0}}, 10, []string{"high", "mid", "low"}},
		{"then FIFO", []push{{"1", 1, 0}, {"2", 1, 0}, {"3", 1, 0}, {"4", 1, 0}}, 10, []string{"1", "2", "3", "4"}},
		{"ready time beats priority", []push{{"late-high", 2, 100}, {"early-low", 1, 0}}, 10, []string{"early-low", "late-high"}},
		{"only ready items pop", []push{{"now", 5, 0}, {"later", 6, 0}}, 5, []string{"now"}},
		{"empty", nil, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var q Queue[string]
			for _, p := range tc.pushes {
				q.Push(p.item, at(p.readyAt), p.priority)
			}
			var got []string
			for {
				v, ok := q.PopReady(at(tc.now))
				if !ok {
					break
				}
				got = append(got, v)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, len(tc.pushes)-len(tc.want), q.Len())
		})
	}
}

func TestQueueNextReadyAndRemove(t *testing.T) {
	t.Parallel()
	var q Queue[int]
	_, ok := q.NextReady()
	require.False(t, ok)
	_, ok = q.PopReady(at(0))
	require.False(t, ok)

	for i := range 10 {
		q.Push(i, at(time.Duration(10-i)*time.Second), 0)
	}
	next, ok := q.NextReady()
	require.True(t, ok)
	require.Equal(t, at(time.Second), next)

	require.Equal(t, 5, q.RemoveFunc(func(v int) bool { return v%2 == 1 }))
	require.Equal(t, 5, q.Len())
	var got []int
	for v, ok := q.PopReady(at(time.Hour)); ok; v, ok = q.PopReady(at(time.Hour)) {
		got = append(got, v)
	}
	require.Equal(t, []int{8, 6, 4, 2, 0}, got)
}

// TestQueueMatchesSort pushes random items and checks the pop order
// against a plain sort by (readyAt, -priority, seq).
func TestQueueMatchesSort(t *testing.T) {
	t.Parallel()
	type rec struct {
		seq      int
		readyAt  time.Duration
		priority int64
	}
	r := rand.New(rand.NewPCG(1, 2))
	var q Queue[rec]
	var all []rec
	for i := range 2000 {
		x := rec{i, time.Duration(r.IntN(50)) * time.Second, int64(r.IntN(5))}
		all = append(all, x)
		q.Push(x, at(x.readyAt), x.priority)
		if i%7 == 0 { // interleave pops
			v, ok := q.PopReady(at(-time.Hour))
			require.False(t, ok, "%v", v)
		}
	}
	slices.SortFunc(all, func(a, b rec) int {
		if a.readyAt != b.readyAt {
			return int(a.readyAt - b.readyAt)
		}
		if a.priority != b.priority {
			return int(b.priority - a.priority)
		}
		return a.seq - b.seq
	})
	for _, want := range all {
		got, ok := q.PopReady(at(time.Hour))
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	require.Zero(t, q.Len())
}
