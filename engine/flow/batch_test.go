package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBatch(t *testing.T) {
	t.Parallel()
	type add struct {
		key  string
		ev   int
		now  time.Duration
		full []int
	}
	type fire struct {
		key    string
		events []int
		fireAt time.Duration
	}
	tests := []struct {
		name    string
		maxSize int
		timeout time.Duration
		adds    []add
		dueAt   time.Duration
		want    []fire
		left    int
	}{
		{"flush when full, in send order", 3, 5 * time.Second,
			[]add{{"u1", 1, 0, nil}, {"u1", 2, 0, nil}, {"u1", 3, time.Second, []int{1, 2, 3}}},
			time.Hour, nil, 0},
		{"flush by timeout after the first event", 3, 5 * time.Second,
			[]add{{"u1", 1, 0, nil}, {"u1", 2, 4 * time.Second, nil}},
			5 * time.Second, []fire{{"u1", []int{1, 2}, 5 * time.Second}}, 0},
		{"not due before the timeout", 3, 5 * time.Second,
			[]add{{"u1", 1, 0, nil}},
			5*time.Second - time.Nanosecond, nil, 1},
		{"a full batch starts a fresh one", 2, 5 * time.Second,
			[]add{{"", 1, 0, nil}, {"", 2, 0, []int{1, 2}}, {"", 3, time.Second, nil}},
			6 * time.Second, []fire{{"", []int{3}, 6 * time.Second}}, 0},
		{"keys are independent", 2, 5 * time.Second,
			[]add{{"a", 1, 0, nil}, {"b", 2, time.Second, nil}, {"a", 3, time.Second, []int{1, 3}}},
			10 * time.Second, []fire{{"b", []int{2}, 6 * time.Second}}, 0},
		{"ordered by deadline", 10, 5 * time.Second,
			[]add{{"b", 1, 0, nil}, {"a", 2, time.Second, nil}, {"c", 3, 3 * time.Second, nil}},
			7 * time.Second, []fire{{"b", []int{1}, 5 * time.Second}, {"a", []int{2}, 6 * time.Second}}, 1},
		{"an overdue batch is kept when a new one starts", 10, 5 * time.Second,
			[]add{{"u1", 1, 0, nil}, {"u1", 2, 6 * time.Second, nil}},
			time.Hour, []fire{{"u1", []int{1}, 5 * time.Second}, {"u1", []int{2}, 11 * time.Second}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := NewBatch[int](tc.maxSize, tc.timeout)
			for i, a := range tc.adds {
				require.Equal(t, a.full, b.Add(a.key, a.ev, at(a.now)), "add %d", i)
			}
			var got []fire
			for _, f := range b.Due(at(tc.dueAt)) {
				got = append(got, fire{f.Key, f.Events, f.FireAt.Sub(t0)})
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.left, b.Len())
			require.Empty(t, b.Due(at(tc.dueAt)))
		})
	}
}

func TestBatchNextDue(t *testing.T) {
	t.Parallel()
	b := NewBatch[int](0, 10*time.Second)
	_, ok := b.NextDue()
	require.False(t, ok)
	b.Add("a", 1, at(5*time.Second))
	b.Add("b", 1, at(time.Second))
	next, ok := b.NextDue()
	require.True(t, ok)
	require.Equal(t, at(11*time.Second), next)
	for i := range DefaultBatchMaxSize - 2 {
		require.Nil(t, b.Add("a", i, at(6*time.Second)))
	}
	require.Len(t, b.Add("a", 0, at(6*time.Second)), DefaultBatchMaxSize)
}
