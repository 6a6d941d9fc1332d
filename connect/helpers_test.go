package connect_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

func asCloseError(err error, ce *websocket.CloseError) bool { return errors.As(err, ce) }

// syncBuffer is a log sink safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recClient is a dev-mode client of the recorded app ("connect-rec") whose API
// is the fake gateway.
func recClient(t testing.TB, g *fakeGateway, logs *syncBuffer) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "connect-rec", Mode: inngest.ModeDev, DevServerURL: g.srv.URL,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	return c
}

// running is a worker started in the background.
type running struct {
	w      *connect.Worker
	cancel context.CancelFunc
	done   chan error
}

func runWorker(t testing.TB, c *inngest.Client, opts connect.Options, fns ...inngest.ServableFunction) *running {
	t.Helper()
	w, err := connect.New(c, opts, fns...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx) }()
	t.Cleanup(func() {
		_ = w.Close()
		cancel()
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
			t.Error("worker did not stop")
		}
	})
	return r
}

// stop cancels the worker's context and returns Run's result.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(20 * time.Second):
		require.FailNow(t, "worker did not stop")
		return nil
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
