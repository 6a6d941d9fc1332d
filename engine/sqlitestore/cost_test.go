package sqlitestore_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/seed-b02f2472/inngest-go/step"
)

type costData struct {
	N int `json:"n"`
}

var costEvents = events.Define[costData]("cost/run.start")

// TestThreeStepRunCost runs three-step functions through an engine on the
// store, over loopback HTTP, one run at a time, and bounds what one run costs
// the writing connection: transactions, statements, and no statement
// prepared once the first run has prepared them all, and the pages written
// to the write-ahead log (every table and index a transaction changes is at
// least one page).
func TestThreeStepRunCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		checkpoint          bool
		txs, writes, frames float64 // per run, at most
	}{
		{checkpoint: true, txs: 4, writes: 14, frames: 19},
		{checkpoint: false, txs: 9, writes: 30, frames: 33},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("checkpoint=", tt.checkpoint), func(t *testing.T) {
			t.Parallel()
			st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "engine.db"))
			require.NoError(t, err)
			eng, err := engine.New(engine.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			api := httptest.NewServer(eng.Handler())
			c, err := inngest.NewClient(inngest.ClientOptions{AppID: "cost", Mode: inngest.ModeDev, BaseURL: api.URL,
				Logger: slog.New(slog.DiscardHandler), Checkpoint: inngest.CheckpointOptions{Disabled: !tt.checkpoint}})
			require.NoError(t, err)
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "cost"}, inngest.OnEvent(costEvents),
				func(ctx context.Context, in inngest.Input[costData]) (int, error) {
					sum := 0
					for i, id := range []string{"a", "b", "c"} {
						v, err := step.Run(ctx, id, func(context.Context) (int, error) { return i, nil })
						if err != nil {
							return 0, err
						}
						sum += v
					}
					return sum, nil
				})
			require.NoError(t, err)
			h, err := serve.New(c, serve.Options{}, fn)
			require.NoError(t, err)
			app := httptest.NewServer(h)
			t.Cleanup(func() {
				require.NoError(t, eng.Close())
				api.Close()
				app.Close()
				require.NoError(t, st.Close())
			})
			require.NoError(t, eng.Sync(t.Context(), app.URL))

			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			one := func(n int) {
				ids, err := c.Send(ctx, costEvents.New(costData{N: n}))
				require.NoError(t, err)
				require.Len(t, ids, 1)
				runs := must(eng.RunsForEvent(ids[0]))
				require.Len(t, runs, 1, "the run starts with the event's transaction")
				run, err := eng.WaitForRun(ctx, runs[0].ID)
				require.NoError(t, err)
				require.Equal(t, runtype.StatusCompleted, run.Status)
			}
			one(0) // prepares the statements
			require.NoError(t, st.StopCheckpoints(ctx))
			before := st.Counts()
			const runs = 10
			for i := range runs {
				one(i + 1)
			}
			after := st.Counts()
			n, err := st.WALFrames(ctx)
			require.NoError(t, err)
			txs := float64(after.Txs-before.Txs) / runs
			writes := float64(after.Writes-before.Writes) / runs
			frames := float64(n) / runs
			t.Logf("per run: %.1f transactions, %.1f statements on the writer, %.1f on the readers, %.1f pages written",
				txs, writes, float64(after.Reads-before.Reads)/runs, frames)
			require.Zero(t, after.Prepares-before.Prepares, "statements prepared again")
			require.LessOrEqual(t, txs, tt.txs, "transactions per run")
			require.LessOrEqual(t, writes, tt.writes, "statements per run on the writer")
			require.LessOrEqual(t, frames, tt.frames, "pages written per run (each index is a page)")
		})
	}
}
