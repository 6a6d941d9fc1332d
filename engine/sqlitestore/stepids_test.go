package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"
)

// A step ID memoized twice, or recorded twice, reads back as saved while the
// memo entries come and go: a step record whose result is its memoized value
// is stored as a reference to the first memo entry of its ID, which edits of
// the memo change.
func TestAStepIDTwiceReadsBackAsSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, reopen := range []bool{false, true} {
		st, path := openItems(t)
		r := itemsRun("r1")
		x, y := json.RawMessage(`"x"`), json.RawMessage(`"y"`)
		r.Memo = []enginestore.MemoEntry{{ID: "A", Value: x}, {ID: "A", Value: y}}
		r.Steps = []runtype.Step{{ID: "A", Result: x}, {ID: "A", Result: y}}
		edits := []func(){
			func() {},
			func() { r.Memo = r.Memo[1:] },
			func() { r.Memo = append(r.Memo, enginestore.MemoEntry{ID: "A", Value: x}) },
			func() { r.Memo = r.Memo[1:] },
			func() { r.Steps = append(r.Steps, runtype.Step{ID: "A", Result: x}) },
			func() { r.Memo = append([]enginestore.MemoEntry{{ID: "A", Value: y}}, r.Memo...) },
			func() { r.Steps = r.Steps[:1] },
			func() { r.Memo = nil },
		}
		for i, e := range edits {
			e()
			r = cloneRun(r)
			if reopen {
				require.NoError(t, st.Close())
				var err error
				st, err = Open(path)
				require.NoError(t, err)
			}
			require.NoError(t, st.SaveRun(ctx, cloneRun(r)))
			requireStored(t, st, r, fmt.Sprintf("reopen=%v, edit %d", reopen, i))
		}
		require.NoError(t, st.Close())
	}
}
