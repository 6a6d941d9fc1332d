package reruncheck

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// TestEngineMatchesRecording runs the cases recorded on the real dev server
// (testdata/realserver/rerun.json) against the embedded engine and requires
// the same answers: status, error code and message, the answer's keys, how
// the typed client classified it, and for each new run its calls (targeted
// step, stack, memoized steps and inputs by step name, ops), the step
// bodies that ran, its status and output.
func TestEngineMatchesRecording(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../testdata/realserver/rerun.json")
	require.NoError(t, err)
	var rec Recording
	require.NoError(t, json.Unmarshal(raw, &rec))

	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, eng.Close())
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got, err := Run(ctx, srv.URL, "127.0.0.1:0")
	require.NoError(t, err)
	require.Len(t, got, len(rec.Cases))
	for i, want := range rec.Cases {
		g := got[i]
		t.Run(want.Name, func(t *testing.T) {
			w, err := json.Marshal(want)
			require.NoError(t, err)
			gb, err := json.Marshal(g)
			require.NoError(t, err)
			require.JSONEq(t, string(w), string(gb))
		})
	}
}
