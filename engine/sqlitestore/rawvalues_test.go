package sqlitestore

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// An empty raw value is not a nil one, whether the run is read from the
// store's memory or from its rows (the driver reads an empty BLOB as nil):
// a memoized value, a step result that is its memo, a run's output, an
// event, a step error's data.
func TestAnEmptyRawValueReadsBackEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := openItems(t)
	r := itemsRun("r1")
	r.Output = json.RawMessage{}
	r.Events = []json.RawMessage{{}, nil}
	r.Memo = []enginestore.MemoEntry{{ID: "a", Value: json.RawMessage{}}, {ID: "b"}, {ID: "c", Value: json.RawMessage(`1`)}}
	r.Steps = []runtype.Step{
		{ID: "a", Result: json.RawMessage{}, Done: true},
		{ID: "b"},
		{ID: "d", Result: json.RawMessage{}, Error: &runtype.StepError{Name: "E", Data: json.RawMessage{}}},
	}
	require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
	requireStored(t, st, r, "saved")
	require.NoError(t, st.Close())
	st2, err := Open(path)
	require.NoError(t, err)
	defer st2.Close()
	requireStored(t, st2, r, "reopened")
	// Saved again by a store that read the rows: nothing to rewrite.
	before := st2.Counts().Writes
	require.NoError(t, st2.SaveRun(ctx, cloneRun(r)))
	require.NoError(t, st2.SaveRun(ctx, cloneRun(r)))
	requireStored(t, st2, r, "saved again")
	require.LessOrEqual(t, st2.Counts().Writes-before, int64(2+1), "the rows read are the rows saved: only the headers are written (and one read of the rows)")
}
