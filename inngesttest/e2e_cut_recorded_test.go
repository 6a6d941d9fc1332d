package inngesttest_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/step"
)

// cutRecording is testdata/realserver/wire-cut.json, written by
// internal/realserver/wirecheck -case cut against the real dev server.
type cutRecording struct {
	Modes []struct {
		Function   string                    `json:"function"`
		Checkpoint inngest.CheckpointOptions `json:"checkpoint"`
		Executions map[string]int            `json:"executions"`
		Orphans    map[string]int            `json:"orphans"`
		Calls      []struct {
			Query    map[string][]string `json:"query"`
			Attempt  int                 `json:"attempt"`
			StepKeys []string            `json:"step_keys"`
			Status   int                 `json:"status"`
		} `json:"calls"`
		Run struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
		} `json:"run"`
	} `json:"modes"`
}

// TestCutCallAsRecorded replays the real dev server's cut-call recording on
// the engine: the same function (steps s1..s4, the call cut while s2 first
// runs) with each recorded checkpoint mode runs every step body as often as it
// did there (s2 twice only with checkpointing off), starts no step after the
// cut, and the engine makes the same calls: the same stepId, attempt, number
// of memoized steps and status (0: cut), in the same order.
func TestCutCallAsRecorded(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/realserver/wire-cut.json")
	require.NoError(t, err)
	var rec cutRecording
	require.NoError(t, json.Unmarshal(raw, &rec))
	require.Len(t, rec.Modes, 3)
	for _, m := range rec.Modes {
		t.Run(m.Function, func(t *testing.T) {
			t.Parallel()
			env := inngesttest.Start(t, inngesttest.Options{ManualClock: true,
				RetryBackoff: func(int) time.Duration { return time.Minute }})
			var mu sync.Mutex
			execs, orphans := map[string]int{}, map[string]int{}
			var p *cutProxy
			fn := newFn(t, env, inngest.FunctionOpts{ID: m.Function, Checkpoint: m.Checkpoint}, inngest.OnEvent(e2eStarted),
				func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
					out := ""
					for _, id := range []string{"s1", "s2", "s3", "s4"} {
						v, err := step.Run(ctx, id, func(ctx context.Context) (string, error) {
							mu.Lock()
							if ctx.Err() != nil {
								orphans[id]++
							}
							execs[id]++
							first := execs[id] == 1
							mu.Unlock()
							if first && id == "s2" {
								p.cut(wire.DiscoveryStepID)
								<-ctx.Done()
							}
							return id, nil
						})
						if err != nil {
							return "", err
						}
						out += v
					}
					return out, nil
				})
			p = newCutProxy(t, env, fn)
			ids := env.Send(t, e2eStarted.New(e2eData{}))
			select {
			case <-p.orphaned:
			case <-time.After(10 * time.Second):
				t.Fatal("the cut call's handler did not return")
			}
			env.SetAutoAdvance(true)
			run := env.WaitForRun(t, ids[0])
			require.Equal(t, m.Run.Status, string(run.Status))
			require.JSONEq(t, string(m.Run.Output), string(run.Output))
			mu.Lock()
			require.Equal(t, m.Executions, execs, "step bodies run as often as on the real server")
			require.Equal(t, m.Orphans, orphans, "no step starts after the cut, as on the real server")
			mu.Unlock()
			type call struct {
				StepID                    string
				Attempt, Memoized, Status int
			}
			var want, got []call
			for _, c := range m.Calls {
				want = append(want, call{c.Query["stepId"][0], c.Attempt, len(c.StepKeys), c.Status})
			}
			for _, c := range p.proxied() {
				got = append(got, call{c.stepID, c.attempt, len(c.memoized), c.status})
			}
			require.Equal(t, want, got, "the engine's calls are the real server's")
		})
	}
}
