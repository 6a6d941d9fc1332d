package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// benchStep appends step i to r as the engine does when a step returns: its
// record, its memoized result and two history items.
func benchStep(r *enginestore.RunRecord, i int, at time.Time) {
	id := fmt.Sprintf("%040x", i)
	v := json.RawMessage(fmt.Sprintf(`{"data":{"i":%d,"text":"a step result of moderate size"}}`, i))
	r.Steps = append(r.Steps, runtype.Step{ID: id, Name: "step-" + strconv.Itoa(i), Op: "StepRun", Attempts: 1, Result: v, Done: true})
	r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: v})
	r.History = append(r.History,
		runtype.HistoryItem{Time: at, Kind: "call", StepID: id, Status: 206},
		runtype.HistoryItem{Time: at, Kind: "step", StepID: id, Detail: "StepRun"})
	r.Calls++
}

// BenchmarkSaveRunStep saves a run after appending one step to it, for runs
// of about N steps: each run grows from N to N+N/10+1 steps and is then
// replaced by a fresh run of N steps (built and saved outside the timer).
// walB/step is how much the write-ahead log grew per saved step, with
// automatic checkpoints off so that the log only grows: the bytes SQLite
// wrote (whole pages plus frame headers), the figure that should stay flat
// as N grows.
func BenchmarkSaveRunStep(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run("steps="+strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "engine.db")
			st, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.w.single(b.Context(), "PRAGMA wal_autocheckpoint = 0"); err != nil {
				b.Fatal(err)
			}
			walSize := func() int64 {
				fi, err := os.Stat(path + "-wal")
				if err != nil {
					b.Fatal(err)
				}
				return fi.Size()
			}
			at := time.Date(2026, 11, 26, 20, 58, 0, 0, time.UTC)
			var r *enginestore.RunRecord
			runs := 0
			fresh := func() {
				runs++
				r = &enginestore.RunRecord{Run: runtype.Run{
					ID: fmt.Sprintf("01JDQ%021d", runs), AppID: "app", FunctionID: "app-fn", Status: runtype.StatusRunning,
					EventIDs: []string{"e" + strconv.Itoa(runs)}, Events: []json.RawMessage{json.RawMessage(`{"data":{},"id":"e","name":"app/x","ts":1,"user":{}}`)},
					StartedAt: at, MaxAttempts: 4,
				}, Version: 2, Started: true}
				for i := range n {
					benchStep(r, i, at)
				}
				if err := st.SaveRun(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			var wal int64
			for i := 0; i < b.N; i++ {
				if r == nil || len(r.Memo) > n+n/10 {
					b.StopTimer()
					fresh()
					b.StartTimer()
				}
				before := walSize()
				benchStep(r, len(r.Memo), at)
				if err := st.SaveRun(ctx, r); err != nil {
					b.Fatal(err)
				}
				wal += walSize() - before
			}
			b.ReportMetric(float64(wal)/float64(b.N), "walB/step")
		})
	}
}

// BenchmarkRunHeaderCodec compares the header's binary encoding with the
// module's JSON codec on the same run (without its memo, step records and
// history; JSON would also need a storage struct to keep RunError.NoRetry):
// one encode and one decode per op.
func BenchmarkRunHeaderCodec(b *testing.B) {
	r := &enginestore.RunRecord{Run: runtype.Run{
		ID: "01JDQ000000000000000000001", AppID: "app", FunctionID: "app-fn", FunctionUUID: "9f0c0f36-7f4e-4cb3-a0bb-0c5d0c0a0a01",
		Status: runtype.StatusRunning, EventIDs: []string{"01JDQ000000000000000000002"},
		Events:    []json.RawMessage{json.RawMessage(`{"data":{"email":"someone@example.com","plan":"pro"},"id":"01JDQ000000000000000000002","name":"app/user.created","ts":1732654680000,"user":{}}`)},
		StartedAt: time.Date(2026, 11, 26, 20, 58, 0, 0, time.UTC), Calls: 3, Attempts: 1, MaxAttempts: 4,
	}, Version: 2, Started: true, Keys: map[string]string{"c0": "k"}}
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = encodeHeader(buf[:0], r)
			if _, err := decodeHeader(buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("jsoncodec", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			buf, err := jsoncodec.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			var got enginestore.RunRecord
			if err := jsoncodec.Unmarshal(buf, &got); err != nil {
				b.Fatal(err)
			}
			n = len(buf)
		}
		b.ReportMetric(float64(n), "bytes")
	})
}
