package engine_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/memstore"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// errRead is the failure of readFailingStore's reads.
var errRead = errors.New("disk unreadable")

// readFailingStore is a Store whose reads fail while fail is set (it hides
// memstore's optional interfaces, so Events reads the stored runs).
type readFailingStore struct {
	enginestore.Store
	fail atomic.Bool
}

func (s *readFailingStore) err() error {
	if s.fail.Load() {
		return errRead
	}
	return nil
}

func (s *readFailingStore) Runs(ctx context.Context) ([]*enginestore.RunRecord, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Runs(ctx)
}

func (s *readFailingStore) RunsForEvent(ctx context.Context, id string) ([]*enginestore.RunRecord, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.RunsForEvent(ctx, id)
}

func (s *readFailingStore) Run(ctx context.Context, id string) (*enginestore.RunRecord, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Run(ctx, id)
}

func (s *readFailingStore) Apps(ctx context.Context) ([]enginestore.AppRecord, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Apps(ctx)
}

func (s *readFailingStore) Event(ctx context.Context, id string) (enginestore.EventRecord, error) {
	if err := s.err(); err != nil {
		return enginestore.EventRecord{}, err
	}
	return s.Store.Event(ctx, id)
}

// The read helpers return the Store's errors instead of an empty answer
// (they returned no runs, no apps, "not found" before), and tell a missing
// run or event from a failed read.
func TestReadHelpersSurfaceStoreErrors(t *testing.T) {
	t.Parallel()
	st := &readFailingStore{Store: memstore.NewChecked()}
	h := newHarness(t, engine.Options{Store: st}, func(c call) reply { return ok(`"done"`) })
	h.mustRegister(h.fn("read", nil))
	id := h.send("test/read", nil)
	run := h.waitRuns(id, 1)[0]

	_, err := h.eng.Run("01M8KMTE317KXQRV4GJHDYMEV8")
	require.ErrorIs(t, err, engine.ErrRunNotFound)
	_, err = h.eng.Event("no-such-event")
	require.ErrorIs(t, err, enginestore.ErrNotFound)

	st.fail.Store(true)
	reads := []struct {
		name string
		read func() error
	}{
		{"Runs", func() error { _, err := h.eng.Runs(); return err }},
		{"RunsForEvent", func() error { _, err := h.eng.RunsForEvent(id); return err }},
		{"Run", func() error { _, err := h.eng.Run(run.ID); return err }},
		{"Apps", func() error { _, err := h.eng.Apps(); return err }},
		{"Events", func() error { _, err := h.eng.Events(10); return err }},
		{"Event", func() error { _, err := h.eng.Event(id); return err }},
		{"WaitForRun", func() error { _, err := h.eng.WaitForRun(t.Context(), run.ID); return err }},
		{"WaitForEventRuns", func() error { _, err := h.eng.WaitForEventRuns(t.Context(), id, 1); return err }},
		{"WaitFor", func() error { return h.eng.WaitFor(t.Context(), func([]runtype.Run) bool { return true }) }},
	}
	for _, r := range reads {
		err := r.read()
		require.ErrorIs(t, err, errRead, r.name)
		require.NotErrorIs(t, err, engine.ErrRunNotFound, r.name)
	}
	status, _ := h.get("/v1/events/" + id)
	require.Equal(t, http.StatusInternalServerError, status, "GET /v1/events/{id} is not a 404 when the store fails")
	st.fail.Store(false)
	_, err = h.eng.Run(run.ID)
	require.NoError(t, err)
}
