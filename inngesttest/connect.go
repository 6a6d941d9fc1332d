package inngesttest

import (
	"context"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/engine/connectgw"
	"github.com/seed-b02f2472/inngest-go/inngest"
)

// worker is an app run by a Connect worker.
type worker struct {
	id     string
	w      *connect.Worker
	cancel context.CancelFunc
	done   chan error
}

// stop stops the worker and waits for it.
func (w *worker) stop() {
	w.cancel()
	select {
	case <-w.done:
	case <-time.After(setupTimeout):
	}
}

// ServeConnect runs fns with the environment's client on a Connect worker
// (package connect) connected to the environment's Connect gateway, instead of
// serving them over HTTP: the worker syncs the app over its WebSocket and
// every call of its runs goes over that socket. It returns once the worker is
// ready. Runs, waits and assertions work as with Serve; step mocks (Mock) do
// not apply to an app served this way.
func (e *Env) ServeConnect(fns ...inngest.ServableFunction) {
	e.t.Helper()
	e.ServeConnectClient(e.t, e.client, connect.Options{}, fns...)
}

// ServeConnectClient is ServeConnect for functions of another client (see
// NewClient) or with worker options. Options.InstanceID defaults to
// "inngesttest-<app id>" and Options.Logger to the environment's logger.
func (e *Env) ServeConnectClient(t testing.TB, client *inngest.Client, opts connect.Options, fns ...inngest.ServableFunction) {
	t.Helper()
	if client.APIBaseURL() != e.api.URL {
		t.Fatalf("inngesttest: client %q does not point at the environment (%s); create it with Env.NewClient", client.AppID(), e.api.URL)
	}
	if opts.InstanceID == "" {
		opts.InstanceID = "inngesttest-" + client.AppID()
	}
	if opts.Logger == nil {
		opts.Logger = e.logger
	}
	cw, err := connect.New(client, opts, fns...)
	if err != nil {
		t.Fatalf("inngesttest: connect worker: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{id: client.AppID(), w: cw, cancel: cancel, done: make(chan error, 1)}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		cancel()
		t.Fatalf("inngesttest: ServeConnect after the test ended")
	}
	e.workers = append(e.workers, w)
	e.mu.Unlock()
	go func() { w.done <- cw.Run(ctx) }()
	deadline := time.NewTimer(setupTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cw.Ready() {
		select {
		case err := <-w.done:
			w.done <- err
			t.Fatalf("inngesttest: connect worker for %q stopped: %v", w.id, err)
		case <-deadline.C:
			t.Fatalf("inngesttest: connect worker for %q not ready after %s", w.id, setupTimeout)
		case <-tick.C:
		}
	}
}

// Gateway returns the environment's Connect gateway, the one ServeConnect's
// workers connect to: its Connections list them (a dev UI shows them with
// devui.Options.Connect).
func (e *Env) Gateway() *connectgw.Gateway { return e.gw }
