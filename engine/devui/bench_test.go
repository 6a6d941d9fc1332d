package devui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// benchRuns is how many runs the page benchmarks store.
const benchRuns = 100_000

// benchRun is a finished run of three steps like the fixture's greet, the
// ith stored; every 100th is invoked by the run before it.
func benchRun(i int) *enginestore.RunRecord {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	evID := fmt.Sprintf("ev%07d", i)
	r := &enginestore.RunRecord{Run: runtype.Run{
		ID: fmt.Sprintf("run%07d", i), AppID: "demo", FunctionID: []string{"demo-greet", "demo-nap", "demo-wait"}[i%3],
		Status: runtype.StatusCompleted, StartedAt: t0, EndedAt: t0.Add(1200 * time.Millisecond),
		EventIDs: []string{evID},
		Events:   []json.RawMessage{json.RawMessage(`{"data":{"name":"Ada"},"id":"` + evID + `","name":"demo/user.greeted","ts":1767225600000,"user":{}}`)},
		Output:   json.RawMessage(`{"length":"9","message":"hello Ada"}`),
		Calls:    3, Attempts: 1, MaxAttempts: 4,
	}, Version: 1, Started: true, Attempt: 0}
	for k, name := range []string{"compose", "count", "send"} {
		id := fmt.Sprintf("%040x", k+1)
		val := json.RawMessage(fmt.Sprintf(`{"data":"step %d of run %d"}`, k, i))
		r.Steps = append(r.Steps, runtype.Step{ID: id, Name: name, Op: "StepRun", Attempts: 1, Result: val, Done: true})
		r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: val})
		at := t0.Add(time.Duration(k*400) * time.Millisecond)
		r.History = append(r.History,
			runtype.HistoryItem{Time: at, Kind: "call", StepID: "step", Detail: "attempt 0, generation 1"},
			runtype.HistoryItem{Time: at.Add(300 * time.Millisecond), Kind: "ops", StepID: "step", Status: 206, Detail: "StepRun(" + name + ")"})
	}
	r.History = append(r.History, runtype.HistoryItem{Time: r.EndedAt, Kind: "Completed"})
	if i%100 == 1 {
		r.ParentRunID = fmt.Sprintf("run%07d", i-1)
	}
	return r
}

// benchStore fills a store with benchRuns runs, a thousand a transaction
// where the store has them.
func benchStore(b *testing.B, st enginestore.Store) {
	ctx := context.Background()
	for from := 0; from < benchRuns; from += 1000 {
		save := func(s enginestore.Store) error {
			for i := from; i < from+1000; i++ {
				if err := s.SaveRun(ctx, benchRun(i)); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if tx, ok := st.(enginestore.TxStore); ok {
			err = tx.Tx(ctx, save)
		} else {
			err = save(st)
		}
		require.NoError(b, err)
	}
}

// BenchmarkPages serves the runs page (the newest page, and a page deep in
// the list through its cursor) and a run's page (one that invoked a run)
// through the UI's handler with 100,000 runs stored, in memory and in
// SQLite. Target: under 100 ms a page.
func BenchmarkPages(b *testing.B) {
	for _, name := range []string{"memory", "sqlite"} {
		b.Run(name, func(b *testing.B) {
			var st enginestore.Store = memstore.New()
			if name == "sqlite" {
				s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "engine.db"))
				require.NoError(b, err)
				st = s
				b.Cleanup(func() { _ = s.Close() })
			}
			benchStore(b, st)
			eng, err := engine.New(engine.Options{Store: st, Retention: -1}) // the runs are old: keep them
			require.NoError(b, err)
			b.Cleanup(func() { _ = eng.Close() })
			h := devui.Handler(eng, devui.Options{})
			serve := func(b *testing.B, path, want string) {
				b.Helper()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
					b.Fatalf("GET %s: %d, %q not in %.300s", path, rec.Code, want, rec.Body.String())
				}
			}
			deep, err := eng.ListRuns(enginestore.RunQuery{Before: enginestore.EncodeCursor(benchRuns / 2), Limit: 1})
			require.NoError(b, err)
			for _, c := range []struct{ name, path, want string }{
				{"runs", "/", fmt.Sprintf("run%07d", benchRuns-1)},
				{"runs-deep", "/?before=" + enginestore.EncodeCursor(benchRuns/2), deep.Runs[0].ID},
				{"runs-function", "/?fn=demo-nap", "demo-nap"},
				{"run", "/runs/run0050000", `id="waterfall"`},
			} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						serve(b, c.path, c.want)
					}
				})
			}
		})
	}
}
