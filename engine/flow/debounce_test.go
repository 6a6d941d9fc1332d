package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDebounce(t *testing.T) {
	t.Parallel()
	type add struct {
		key    string
		ev     int
		now    time.Duration
		fireAt time.Duration
	}
	type fire struct {
		key    string
		ev     int
		fireAt time.Duration
	}
	tests := []struct {
		name            string
		period, timeout time.Duration
		adds            []add
		dueAt           time.Duration
		want            []fire
		left            int
	}{
		{"last event wins", 2 * time.Second, 0,
			[]add{{"u1", 1, 0, 2*time.Second + DebounceDelay}, {"u1", 2, time.Millisecond, 2*time.Second + time.Millisecond + DebounceDelay}},
			10 * time.Second, []fire{{"u1", 2, 2*time.Second + time.Millisecond + DebounceDelay}}, 0},
		{"not due before the period and the delay", 2 * time.Second, 0,
			[]add{{"u1", 1, 0, 2*time.Second + DebounceDelay}},
			2*time.Second + DebounceDelay - time.Nanosecond, nil, 1},
		{"due exactly at the period and the delay", 2 * time.Second, 0,
			[]add{{"u1", 1, 0, 2*time.Second + DebounceDelay}},
			2*time.Second + DebounceDelay, []fire{{"u1", 1, 2*time.Second + DebounceDelay}}, 0},
		{"timeout shortens the wait to the whole seconds left, at least 1 s", 2 * time.Second, 5 * time.Second,
			[]add{
				{"u1", 1, 0, 2*time.Second + DebounceDelay},
				{"u1", 2, time.Second, 3*time.Second + DebounceDelay},
				{"u1", 3, 2500 * time.Millisecond, 4500*time.Millisecond + DebounceDelay},
				{"u1", 4, 4 * time.Second, 5*time.Second + DebounceDelay},
				{"u1", 5, 4900 * time.Millisecond, 5900*time.Millisecond + DebounceDelay},
			},
			5900*time.Millisecond + DebounceDelay, []fire{{"u1", 5, 5900*time.Millisecond + DebounceDelay}}, 0},
		// Recorded on the real server (testdata/realserver/debounce.json): events
		// less than 1 s apart keep a series open past its timeout.
		{"events under 1 s apart outlast the timeout", 2 * time.Second, 4 * time.Second,
			[]add{
				{"u1", 0, 0, 2*time.Second + DebounceDelay},
				{"u1", 1, 700 * time.Millisecond, 2700*time.Millisecond + DebounceDelay},
				{"u1", 2, 1400 * time.Millisecond, 3400*time.Millisecond + DebounceDelay},
				{"u1", 3, 2100 * time.Millisecond, 3100*time.Millisecond + DebounceDelay},
				{"u1", 4, 2800 * time.Millisecond, 3800*time.Millisecond + DebounceDelay},
				{"u1", 5, 3500 * time.Millisecond, 4500*time.Millisecond + DebounceDelay},
				{"u1", 6, 4200 * time.Millisecond, 5200*time.Millisecond + DebounceDelay},
			},
			10 * time.Second, []fire{{"u1", 6, 5200*time.Millisecond + DebounceDelay}}, 0},
		{"a timeout under the period shortens the first wait", 5 * time.Second, 2400 * time.Millisecond,
			[]add{{"u1", 1, 0, 2*time.Second + DebounceDelay}},
			10 * time.Second, []fire{{"u1", 1, 2*time.Second + DebounceDelay}}, 0},
		{"keys are independent and ordered by fire time", 2 * time.Second, 0,
			[]add{{"b", 1, 0, 2*time.Second + DebounceDelay}, {"a", 2, time.Second, 3*time.Second + DebounceDelay},
				{"c", 3, 5 * time.Second, 7*time.Second + DebounceDelay}},
			4*time.Second + DebounceDelay, []fire{{"b", 1, 2*time.Second + DebounceDelay}, {"a", 2, 3*time.Second + DebounceDelay}}, 1},
		{"same fire time keeps series order", time.Second, 0,
			[]add{{"z", 1, 0, time.Second + DebounceDelay}, {"a", 2, 0, time.Second + DebounceDelay}},
			time.Second + DebounceDelay, []fire{{"z", 1, time.Second + DebounceDelay}, {"a", 2, time.Second + DebounceDelay}}, 0},
		{"an event after the series closed starts a new one; the old one fires as it was", 2 * time.Second, 0,
			[]add{{"u1", 1, 0, 2*time.Second + DebounceDelay}, {"u1", 2, 2500 * time.Millisecond, 4500*time.Millisecond + DebounceDelay}},
			2*time.Second + DebounceDelay, []fire{{"u1", 1, 2*time.Second + DebounceDelay}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := NewDebounce[int](tc.period, tc.timeout)
			for i, a := range tc.adds {
				require.Equal(t, at(a.fireAt), d.Add(a.key, a.ev, at(a.now)), "add %d", i)
			}
			var got []fire
			for _, f := range d.Due(at(tc.dueAt)) {
				got = append(got, fire{f.Key, f.Event, f.FireAt.Sub(t0)})
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.left, d.Len())
			require.Empty(t, d.Due(at(tc.dueAt)), "Due removes what it returns")
		})
	}
}

func TestDebounceNextDueAndCancel(t *testing.T) {
	t.Parallel()
	d := NewDebounce[string](time.Second, 0)
	_, ok := d.NextDue()
	require.False(t, ok)

	d.Add("a", "x", at(5*time.Second))
	d.Add("b", "y", at(2*time.Second))
	next, ok := d.NextDue()
	require.True(t, ok)
	require.Equal(t, at(3*time.Second+DebounceDelay), next)

	// A closed series displaced by a new one still counts for NextDue.
	d.Add("b", "z", at(3*time.Second+time.Millisecond))
	next, _ = d.NextDue()
	require.Equal(t, at(3*time.Second+DebounceDelay), next)

	require.True(t, d.Cancel("a"))
	require.False(t, d.Cancel("a"))
	fires := d.Due(at(time.Hour))
	require.Len(t, fires, 2)
	require.Equal(t, "y", fires[0].Event)
	require.Equal(t, "z", fires[1].Event)
	_, ok = d.NextDue()
	require.False(t, ok)
}

func TestDebounceRestoreUndoesAClosingAdd(t *testing.T) {
	t.Parallel()
	d := NewDebounce[int](2*time.Second, 0)
	d.Add("k", 1, at(0))
	before, ok := d.Series("k")
	require.True(t, ok)
	d.Add("k", 2, at(2500*time.Millisecond)) // closes the first series, starts a second
	require.Equal(t, 2, d.Len())
	d.Restore(before) // the Add is undone (its transaction rolled back)
	require.Equal(t, 1, d.Len())
	fires := d.Due(at(time.Hour))
	require.Len(t, fires, 1)
	require.Equal(t, 1, fires[0].Event)
}
