package inngesttest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

// ServePath is the path apps are served at on their httptest server.
const ServePath = "/api/inngest"

// setupTimeout bounds a sync or a send, whatever Options.Timeout says.
const setupTimeout = 30 * time.Second

// app is one served app.
type app struct {
	id     string
	client *inngest.Client
	srv    *httptest.Server
}

// Serve serves fns with the environment's client on an httptest server and
// syncs them the way the dev server does: the engine sends PUT to the app, which
// registers its functions with POST /fn/register. It fails the test when the
// sync fails. Call it once per app, with every function of the app (a later
// sync of the same app replaces its functions).
func (e *Env) Serve(fns ...inngest.ServableFunction) {
	e.t.Helper()
	e.ServeClient(e.t, e.client, fns...)
}

// ServeClient is Serve for functions of another client, such as one returned by
// NewClient (a second app).
func (e *Env) ServeClient(t testing.TB, client *inngest.Client, fns ...inngest.ServableFunction) {
	t.Helper()
	if client.APIBaseURL() != e.api.URL || client.EventAPIBaseURL() != e.api.URL {
		t.Fatalf("inngesttest: client %q does not point at the environment (%s); create it with Env.NewClient", client.AppID(), e.api.URL)
	}
	h, err := serve.New(client, serve.Options{}, fns...)
	if err != nil {
		t.Fatalf("inngesttest: serving functions: %v", err)
	}
	a := &app{id: client.AppID(), client: client}
	a.srv = httptest.NewServer(e.mockHandler(a.id, h))
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		a.srv.Close()
		t.Fatalf("inngesttest: Serve after the test ended")
	}
	for _, other := range e.apps {
		if other.id == a.id {
			e.mu.Unlock()
			a.srv.Close()
			t.Fatalf("inngesttest: app %q is already served; serve all its functions in one call", a.id)
		}
	}
	e.apps = append(e.apps, a)
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := e.eng.Sync(ctx, a.srv.URL+ServePath); err != nil {
		t.Fatalf("inngesttest: syncing app %q: %v", a.id, err)
	}
}

// appIDs lists the served apps' ids.
func (e *Env) appIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.apps)+len(e.workers)+1)
	for _, a := range e.apps {
		ids = append(ids, a.id)
	}
	for _, w := range e.workers {
		ids = append(ids, w.id)
	}
	return append(ids, e.client.AppID())
}

// matchFn reports whether the full function id fullID names fn, given as a full
// id or as a slug of a served app.
func (e *Env) matchFn(fullID, fn string) bool {
	if fullID == fn {
		return true
	}
	for _, id := range e.appIDs() {
		if fullID == id+"-"+fn {
			return true
		}
	}
	return false
}
