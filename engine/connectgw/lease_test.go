package connectgw

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// shortLeases makes leases last 300 ms, checked every 50 ms.
var shortLeases = Options{LeaseDuration: 300 * time.Millisecond, ExtendLeaseInterval: 50 * time.Millisecond, LeaseGrace: 50 * time.Millisecond}

// TestLeaseExtended: a request whose worker keeps extending its lease (here
// for 3 lease durations) is never retried; each extension returns a new
// lease ID, and an extension with a stale lease ID is refused.
func TestLeaseExtended(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{LeaseDuration: 600 * time.Millisecond, ExtendLeaseInterval: 50 * time.Millisecond, LeaseGrace: 50 * time.Millisecond})
	c := e.dial("")
	rd := c.connect(c.connectData(fnConfig("fn")))
	require.Equal(t, "50ms", rd.ExtendLeaseInterval)
	runID := e.sendEvent("test/fn")
	d := c.request()
	c.ack(d)
	lease := d.LeaseId
	deadline := time.Now().Add(1800 * time.Millisecond)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		next := c.extend(d, lease)
		require.NotNil(t, next)
		require.NotEqual(t, lease, *next)
		lease = *next
	}
	require.Nil(t, c.extend(d, d.LeaseId), "the first lease ID is stale")
	c.reply(d, connectproto.SDKResponseStatus_DONE, `"kept"`)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Equal(t, 1, run.Attempts)
}

// TestLeaseExpiresRetriedElsewhere: a worker that acked a request and then
// died (its socket dropped, no more extensions) loses the lease; the call
// fails with "worker stopped responding" and the engine's retry goes to the
// other connection, which completes the run. The dead worker's late lease
// extension is refused.
func TestLeaseExpiresRetriedElsewhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, shortLeases)
	dead := e.dial("")
	dead.connect(dead.connectData(fnConfig("fn")))
	runID := e.sendEvent("test/fn")
	d := dead.request()
	dead.ack(d)
	// a second worker comes up while the first holds the request
	alive := e.dial("")
	alive.connect(alive.connectData(fnConfig("fn")))
	_ = dead.ws.CloseNow()

	d2 := alive.request()
	require.Equal(t, runID, d2.RunId)
	require.Equal(t, d.GetStepId(), d2.GetStepId())
	require.NotEqual(t, d.RequestId, d2.RequestId)
	require.Nil(t, alive.extend(d, d.LeaseId), "the expired lease cannot be extended")
	alive.ack(d2)
	alive.reply(d2, connectproto.SDKResponseStatus_DONE, `"retried"`)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Equal(t, 2, run.Attempts)
	require.Contains(t, historyText(run), "the worker stopped responding to the request")
}

// TestReplyAfterReconnect: a worker whose socket dropped after the ack keeps
// its request: it extends the lease and replies over its new connection.
func TestReplyAfterReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, shortLeases)
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	runID := e.sendEvent("test/fn")
	d := c.request()
	c.ack(d)
	_ = c.ws.CloseNow()
	c2 := e.dial("")
	c2.connect(c2.connectData(fnConfig("fn")))
	next := c2.extend(d, d.LeaseId)
	require.NotNil(t, next)
	c2.reply(d, connectproto.SDKResponseStatus_DONE, `"after reconnect"`)
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.Equal(t, 1, run.Attempts)
}

// TestFlush: a reply the worker could not get acked on its socket is posted
// to /v0/connect/flush and completes the run; bad flush bodies get 400.
func TestFlush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	runID := e.sendEvent("test/fn")
	d := c.request()
	c.ack(d)

	resp := sdkResponse(d, connectproto.SDKResponseStatus_DONE, `"flushed"`)
	noTrace := sdkResponse(d, connectproto.SDKResponseStatus_DONE, `"x"`)
	noTrace.SystemTraceCtx = nil
	for _, tt := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"empty body", nil, http.StatusBadRequest},
		{"not protobuf", []byte{0xff, 0xff}, http.StatusBadRequest},
		{"system trace ctx not JSON", mustProtoT(noTrace), http.StatusBadRequest},
		{"reply", mustProtoT(resp), http.StatusOK},
	} {
		status, b := e.post(connectproto.FlushPath, "", tt.body)
		require.Equal(t, tt.status, status, "%s: %s", tt.name, b)
		if status == http.StatusOK {
			var fr connectproto.FlushResponse
			require.NoError(t, proto.Unmarshal(b, &fr))
			require.Equal(t, d.RequestId, fr.RequestId)
		}
	}
	run := e.waitRun(runID)
	require.Equal(t, runtype.StatusCompleted, run.Status)
	require.JSONEq(t, `"flushed"`, string(run.Output))
}

// TestFlushNeedsKey: with a signing key, flush wants it.
func TestFlushNeedsKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{SigningKey: testKey}, Options{})
	status, _ := e.post(connectproto.FlushPath, "", []byte{0x0a, 0x01, 'r'})
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = e.post(connectproto.FlushPath, "wrong", []byte{0x0a, 0x01, 'r'})
	require.Equal(t, http.StatusUnauthorized, status)
}

// TestPause: a paused connection gets no new request (the call goes to the
// other connection) but finishes the one it holds.
func TestPause(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	a := e.dial("")
	a.connect(a.connectData(fnConfig("fn")))
	run1 := e.sendEvent("test/fn")
	d1 := a.request()
	a.ack(d1)
	b := e.dial("")
	b.connect(b.connectData(fnConfig("fn")))
	a.send(connectproto.GatewayMessageType_WORKER_PAUSE, nil)
	require.Eventually(t, func() bool {
		for _, ci := range e.gw.Connections() {
			if ci.ID == a.sr.ConnectionId {
				return ci.Status == "DRAINING"
			}
		}
		return false
	}, testBound, 5*time.Millisecond)

	run2 := e.sendEvent("test/fn")
	d2 := b.request()
	require.Equal(t, run2, d2.RunId)
	b.ack(d2)
	b.reply(d2, connectproto.SDKResponseStatus_DONE, `2`)
	a.reply(d1, connectproto.SDKResponseStatus_DONE, `1`) // in flight before the pause
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run1).Status)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run2).Status)
}

// TestDrain: Drain sends GATEWAY_CLOSING; the draining connection takes no
// new request, keeps its in-flight one (acked, extended, replied) while the
// worker reconnects, and is closed once the worker leaves; the new
// connection gets the next call.
func TestDrain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	old := e.dial("")
	old.connect(old.connectData(fnConfig("fn")))
	run1 := e.sendEvent("test/fn")
	d1 := old.request()
	old.ack(d1)

	drained := make(chan error, 1)
	go func() { drained <- e.gw.Drain(t.Context()) }()
	old.readKind(connectproto.GatewayMessageType_GATEWAY_CLOSING)
	fresh := e.dial("")
	fresh.connect(fresh.connectData(fnConfig("fn")))
	run2 := e.sendEvent("test/fn")
	d2 := fresh.request()
	require.Equal(t, run2, d2.RunId)
	fresh.ack(d2)
	require.NotNil(t, old.extend(d1, d1.LeaseId))
	old.reply(d1, connectproto.SDKResponseStatus_DONE, `1`)
	fresh.reply(d2, connectproto.SDKResponseStatus_DONE, `2`)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run1).Status)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run2).Status)
	_ = old.ws.Close(1000, connectproto.WorkerDisconnectReason_GATEWAY_DRAINING.String())
	select {
	case err := <-drained:
		require.NoError(t, err)
	case <-time.After(testBound):
		t.Fatal("Drain did not return")
	}
	require.Len(t, e.gw.Connections(), 1)
}

// TestDrainTimeout: a worker that ignores GATEWAY_CLOSING is closed with
// 1001 connect_gateway_closing after DrainTimeout.
func TestDrainTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{DrainTimeout: 100 * time.Millisecond})
	c := e.dial("")
	c.connect(c.connectData(fnConfig("fn")))
	require.NoError(t, e.gw.Drain(t.Context()))
	require.Equal(t, connectproto.GatewayMessageType_GATEWAY_CLOSING, c.read().Kind)
	ce := c.readClose()
	require.EqualValues(t, 1001, ce.Code)
	require.Equal(t, codeGatewayClosing, ce.Reason)
}

// TestCapacity: a connection at its max_worker_concurrency takes no more
// requests until one finishes.
func TestCapacity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, Options{})
	c := e.dial("")
	data := c.connectData(fnConfig("fn"))
	one := int64(1)
	data.MaxWorkerConcurrency = &one
	c.connect(data)
	run1 := e.sendEvent("test/fn")
	d1 := c.request()
	c.ack(d1)
	run2 := e.sendEvent("test/fn")
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 1, e.gw.Connections()[0].InFlight)
	c.reply(d1, connectproto.SDKResponseStatus_DONE, `1`)
	d2 := c.request()
	require.Equal(t, run2, d2.RunId)
	c.ack(d2)
	c.reply(d2, connectproto.SDKResponseStatus_DONE, `2`)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run1).Status)
	require.Equal(t, runtype.StatusCompleted, e.waitRun(run2).Status)
}
