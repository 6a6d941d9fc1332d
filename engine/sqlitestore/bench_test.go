package sqlitestore_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/engine/sqlitestore"
)

// benchStores are the stores the benchmarks compare.
func benchStores(b *testing.B) map[string]func() enginestore.Store {
	open := func(opts sqlitestore.Options) func() enginestore.Store {
		return func() enginestore.Store {
			st, err := sqlitestore.OpenOptions(filepath.Join(b.TempDir(), "engine.db"), opts)
			require.NoError(b, err)
			b.Cleanup(func() { _ = st.Close() })
			return st
		}
	}
	return map[string]func() enginestore.Store{
		"memory":          func() enginestore.Store { return memstore.New() },
		"sqlite":          open(sqlitestore.Options{}),
		"sqlite-fullsync": open(sqlitestore.Options{FullSync: true}),
	}
}

func BenchmarkSaveEvent(b *testing.B) {
	raw := json.RawMessage(`{"data":{"email":"someone@example.com","plan":"pro"},"id":"01JDQ0000000000000000000","name":"app/user.created","ts":1732654680000,"user":{}}`)
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := st.SaveEvent(ctx, enginestore.EventRecord{ID: strconv.Itoa(i), Name: "app/user.created", Raw: raw, ReceivedAt: t0}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSaveRun replaces one run that has 10 memoized steps, as the engine
// does after every call.
func BenchmarkSaveRun(b *testing.B) {
	r := fullRun("r1", "e1")
	for i := range 10 {
		id := fmt.Sprintf("%040d", i)
		v := json.RawMessage(fmt.Sprintf(`{"data":{"i":%d,"text":"a step result of moderate size"}}`, i))
		r.Memo = append(r.Memo, enginestore.MemoEntry{ID: id, Value: v})
		r.Steps = append(r.Steps, runtype.Step{ID: id, Name: "step-" + strconv.Itoa(i), Op: "StepRun", Attempts: 1, Result: v, Done: true})
		r.History = append(r.History, runtype.HistoryItem{Time: t0, Kind: "call", StepID: id, Status: 206})
	}
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open()
			b.ReportAllocs()
			for b.Loop() {
				r.Calls++
				if err := st.SaveRun(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
