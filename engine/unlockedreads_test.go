package engine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// blockingReadStore is a Store whose Run and RunsForEvent block until
// release is closed, after telling entered.
type blockingReadStore struct {
	enginestore.Store
	entered chan struct{}
	release chan struct{}
}

func (s *blockingReadStore) block() {
	s.entered <- struct{}{}
	<-s.release
}

func (s *blockingReadStore) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	s.block()
	return s.Store.Run(ctx, id)
}

func (s *blockingReadStore) RunsForEvent(ctx context.Context, id string) ([]*enginestore.RunRecord, error) {
	s.block()
	return s.Store.RunsForEvent(ctx, id)
}

// The read API reads the Store without the engine's lock: while a read
// waits on a slow Store, events are accepted (Send takes the lock). Under
// the lock, each Send here would wait for the read.
func TestSlowStoreReadDoesNotBlockTheEngine(t *testing.T) {
	t.Parallel()
	reads := map[string]func(e *engine.Engine, srv *httptest.Server){
		"Run":          func(e *engine.Engine, _ *httptest.Server) { _, _ = e.Run("01J00000000000000000000000") },
		"RunsForEvent": func(e *engine.Engine, _ *httptest.Server) { _, _ = e.RunsForEvent("ev") },
		"GET /v1/runs/{id}": func(_ *engine.Engine, srv *httptest.Server) {
			if res, err := http.Get(srv.URL + "/v1/runs/01J00000000000000000000000"); err == nil {
				_ = res.Body.Close()
			}
		},
		"GET /v1/events/{id}/runs": func(_ *engine.Engine, srv *httptest.Server) {
			if res, err := http.Get(srv.URL + "/v1/events/ev/runs"); err == nil {
				_ = res.Body.Close()
			}
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := &blockingReadStore{Store: memstore.New(), entered: make(chan struct{}), release: make(chan struct{})}
			e, err := engine.New(engine.Options{Store: st})
			require.NoError(t, err)
			t.Cleanup(func() { _ = e.Close() })
			srv := httptest.NewServer(e.Handler())
			t.Cleanup(srv.Close)
			done := make(chan struct{})
			go func() {
				defer close(done)
				read(e, srv)
			}()
			<-st.entered // the read is inside the Store
			ids, err := e.SendJSON(t.Context(), []byte(`{"name":"test/while-reading"}`))
			require.NoError(t, err)
			require.Len(t, ids, 1)
			close(st.release)
			<-done
		})
	}
}

// blockingRunsStore is a Store whose first Runs call blocks until release
// is closed, after closing entered.
type blockingRunsStore struct {
	enginestore.Store
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (s *blockingRunsStore) Runs(ctx context.Context) ([]*enginestore.RunRecord, error) {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.entered)
		<-s.release
	}
	return s.Store.Runs(ctx)
}

// WaitFor reads the Store without the engine's lock: while its read waits
// on a slow Store, an event is accepted, and the waiter still sees the run
// that event started (the change is not lost between its read and its
// wait). Under the lock, the Send would wait for the read.
func TestSlowWaitForReadDoesNotBlockTheEngine(t *testing.T) {
	t.Parallel()
	st := &blockingRunsStore{Store: memstore.New(), entered: make(chan struct{}), release: make(chan struct{})}
	e, err := engine.New(engine.Options{Store: st})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	fnSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`"ok"`))
	}))
	t.Cleanup(fnSrv.Close)
	_, err = e.SyncConfig(t.Context(), []byte(`{"appName":"app","url":"`+fnSrv.URL+`","framework":"test","sdk":"go:v0","functions":[{"id":"app-fn","name":"fn","triggers":[{"event":"test/go"}],"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":"`+fnSrv.URL+`?fnId=app-fn&stepId=step"}}}}]}`))
	require.NoError(t, err)
	waited := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		waited <- e.WaitFor(ctx, func(runs []runtype.Run) bool {
			return len(runs) == 1 && runs[0].EventIDs[0] != ""
		})
	}()
	<-st.entered // WaitFor's read is inside the Store
	ids, err := e.SendJSON(t.Context(), []byte(`{"name":"test/go"}`))
	require.NoError(t, err)
	require.Len(t, ids, 1)
	close(st.release)
	require.NoError(t, <-waited)
}
