package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-b02f2472/inngest-go/inngest/api"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/stretchr/testify/require"
)

// TestRunDecodesServerJSON decodes the runs the real dev server returned in
// the recordings (testdata/wire/*.result.json, GET /v1/events/{id}/runs) into
// api.Run: every status is one of runtype's, final runs are Done, and the
// fields the server fills are read.
func TestRunDecodesServerJSON(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../testdata/wire/*.result.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	known := map[runtype.Status]bool{runtype.StatusQueued: true, runtype.StatusRunning: true,
		runtype.StatusCompleted: true, runtype.StatusFailed: true, runtype.StatusCancelled: true}
	seen := map[runtype.Status]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var rec struct {
			Runs []api.Run `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(b, &rec), f)
		for _, r := range rec.Runs {
			require.True(t, known[r.Status], "%s: status %q", f, r.Status)
			require.NotEmpty(t, r.ID, f)
			require.NotEmpty(t, r.FunctionID, f)
			require.False(t, r.StartedAt.IsZero(), f)
			require.Equal(t, r.Status.Done(), r.Done(), f)
			if r.Done() {
				require.NotNil(t, r.EndedAt, f)
			}
			seen[r.Status]++
		}
	}
	require.NotZero(t, seen[runtype.StatusCompleted], "the recordings hold completed runs")
	require.NotZero(t, seen[runtype.StatusFailed], "the recordings hold failed runs")
}
