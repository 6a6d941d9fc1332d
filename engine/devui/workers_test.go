package devui_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/connect"
	"github.com/seed-b02f2472/inngest-go/engine/devui"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/runtype"
	"github.com/seed-b02f2472/inngest-go/step"
)

var viaEv = events.Define[Greeting]("demo/user.routed")

// TestWorkersPageAndCallTransport serves one app over HTTP and another on a
// Connect worker: the workers page lists the worker (instance, app, status,
// in flight) and each run's timeline says over which transport its calls
// went, naming the worker's instance and connection for Connect.
func TestWorkersPageAndCallTransport(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{AppID: "over-http"})
	handler := func(ctx context.Context, in inngest.Input[Greeting]) (string, error) {
		return step.Run(ctx, "hello", func(context.Context) (string, error) { return "hi " + in.Event.Data.Name, nil })
	}
	httpFn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent(viaEv), handler)
	require.NoError(t, err)
	env.Serve(httpFn)
	wsClient := env.NewClient(t, inngest.ClientOptions{AppID: "over-connect"})
	wsFn, err := inngest.NewFunction(wsClient, inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent(viaEv), handler)
	require.NoError(t, err)
	env.ServeConnectClient(t, wsClient, connect.Options{InstanceID: "worker-7"}, wsFn)

	ui := httptestServer(t, devui.Handler(env.Engine(), devui.Options{Connect: env.Gateway()}))
	var page string
	require.Eventually(t, func() bool {
		var st int
		st, page = get(t, ui+"/workers")
		return st == http.StatusOK && strings.Contains(page, ">READY<")
	}, 10*time.Second, 10*time.Millisecond, "the worker never shows READY")
	conns := env.Gateway().Connections()
	require.Len(t, conns, 1)
	for _, s := range []string{`data-instance="worker-7"`, "<code>over-connect</code>", conns[0].ID, `href="/workers" class="on"`, "go:"} {
		require.Contains(t, page, s)
	}

	id := env.Send(t, viaEv.New(Greeting{Name: "Ada"}))[0]
	var wsRun, httpRun runtype.Run
	require.Eventually(t, func() bool {
		for _, r := range must(env.Engine().RunsForEvent(id)) {
			if r.Status != runtype.StatusCompleted {
				return false
			}
			if r.AppID == "over-connect" || strings.HasPrefix(r.FunctionID, "over-connect-") {
				wsRun = r
			} else {
				httpRun = r
			}
		}
		return wsRun.ID != "" && httpRun.ID != ""
	}, 10*time.Second, 10*time.Millisecond, "both runs complete")

	// The engine's record: every call and its outcome name the transport.
	calls := 0
	for _, h := range wsRun.History {
		switch h.Kind {
		case "call":
			calls++
			require.Equal(t, runtype.TransportConnect, h.Transport)
		case "ops", "completed":
			require.Equal(t, runtype.TransportConnect, h.Transport, h.Kind)
			require.Equal(t, "worker-7", h.InstanceID)
			require.Equal(t, conns[0].ID, h.ConnectionID)
		}
	}
	require.Positive(t, calls)
	for _, h := range httpRun.History {
		if h.Kind == "call" || h.Kind == "completed" {
			require.Equal(t, runtype.TransportHTTP, h.Transport, h.Kind)
			require.Empty(t, h.InstanceID)
		}
	}

	via := regexp.MustCompile(`<td class="via">([^<]*)`)
	st, body := get(t, ui+"/runs/"+wsRun.ID)
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, `<code class="instance">worker-7</code>`)
	require.Contains(t, body, "<code>"+conns[0].ID+"</code>")
	labelled := 0
	for _, m := range via.FindAllStringSubmatch(body, -1) {
		if m[1] != "" { // entries that are not calls have no transport
			labelled++
			require.Equal(t, "Connect", strings.TrimSpace(m[1]))
		}
	}
	require.GreaterOrEqual(t, labelled, 2, "the call and its outcome")
	_, body = get(t, ui+"/runs/"+httpRun.ID)
	require.NotContains(t, body, "worker-7")
	require.Contains(t, body, `<td class="via">HTTP</td>`)
}

// TestWorkersPageWithoutGateway says so when the UI has no gateway.
func TestWorkersPageWithoutGateway(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	ui := httptestServer(t, devui.Handler(env.Engine(), devui.Options{}))
	st, body := get(t, ui+"/workers")
	require.Equal(t, http.StatusOK, st)
	require.Contains(t, body, "hosts no Connect gateway")
	require.NotContains(t, body, `id="workers"`)
}
