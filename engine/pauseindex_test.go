package engine

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// An event finds the waits whose expression compares fields for equality by
// a lookup: of 1,000 such waits on its name and 10 others, it evaluates only
// the 10 others' expressions, and resumes exactly the runs it matches.
func TestKeyedWaitsNeedNoEvaluation(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := memstore.NewChecked()
	ctx := context.Background()
	wait := func(id, cond string, k string) {
		trigger := json.RawMessage(`{"name":"test/start","data":{"k":` + k + `},"id":"ev-` + id + `","ts":1767225600000}`)
		require.NoError(t, st.SaveRun(ctx, &enginestore.RunRecord{Run: runtype.Run{ID: id, FunctionID: "app-waiter", Status: runtype.StatusRunning,
			EventIDs: []string{"ev-" + id}, Events: []json.RawMessage{trigger}, StartedAt: start}}))
		require.NoError(t, st.SavePause(ctx, enginestore.Pause{ID: id + "/w", Kind: enginestore.PauseWait, RunID: id, StepID: "w",
			Event: "test/resume", If: cond, Expires: start.Add(time.Hour)}))
	}
	for i := range 1000 {
		wait("keyed-"+strconv.Itoa(i), "async.data.k == event.data.k", strconv.Itoa(i))
	}
	for i := range 10 {
		wait("other-"+strconv.Itoa(i), "async.data.k >= event.data.k && async.data.k <= event.data.k", strconv.Itoa(i*100))
	}
	eng, err := New(Options{Store: st, Clock: NewVirtualClock(start)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })

	evaluated := func() uint64 {
		l := eng.lock()
		defer l.unlock()
		return l.s.pidx.evaluated
	}
	for _, body := range []string{
		`{"name":"test/resume","data":{"k":-1}}`,
		`{"name":"test/resume","data":{"k":"7"}}`,
		`{"name":"test/resume","data":{}}`,
		`{"name":"test/resume","data":{"k":200.0}}`,
	} {
		before := evaluated()
		_, err = eng.SendJSON(ctx, []byte(body))
		require.NoError(t, err)
		require.Equal(t, uint64(10), evaluated()-before, body)
	}
	ps, err := st.PausesForEvent(ctx, "test/resume")
	require.NoError(t, err)
	require.Len(t, ps, 1008, "k == 200 resumed keyed-200 and other-2")
	for _, id := range []string{"keyed-200", "other-2"} {
		got, err := st.PausesForRun(ctx, id)
		require.NoError(t, err)
		require.Empty(t, got, id)
	}
	got, err := st.PausesForRun(ctx, "keyed-199")
	require.NoError(t, err)
	require.Len(t, got, 1, "keyed-199 still waits")
}

// Events of ever new names do not grow the pause index without bound.
func TestPauseIndexForgetsEmptyNames(t *testing.T) {
	t.Parallel()
	eng, err := New(Options{Clock: NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	for i := range maxEmptyNames + 100 {
		_, err := eng.SendJSON(t.Context(), []byte(`{"name":"test/n`+strconv.Itoa(i)+`"}`))
		require.NoError(t, err)
	}
	l := eng.lock()
	defer l.unlock()
	require.LessOrEqual(t, len(l.s.pidx.names), maxEmptyNames+1)
}
