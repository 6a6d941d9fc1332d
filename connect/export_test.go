package connect

import (
	"fmt"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// Dispatch is the worker's own work for one executor request, without a
// socket: it decodes the gateway's frame, encodes the ack, runs the request
// through the execution core as accept and execute do, and encodes the reply
// frame. BenchmarkDispatch measures it next to serve.Handler on the same call.
func (w *Worker) Dispatch(frame []byte) (ack, reply []byte, err error) {
	kind, m, err := decodeFrame(frame)
	if err != nil {
		return nil, nil, err
	}
	if kind != cpRequest {
		return nil, nil, fmt.Errorf("not an executor request: %s", kind)
	}
	d := m.(*cp.GatewayExecutorRequestData)
	if ack, err = encodeFrame(cpAck, ackOf(d)); err != nil {
		return nil, nil, err
	}
	reply, err = encodeFrame(cpReply, w.execute(d))
	return ack, reply, err
}
