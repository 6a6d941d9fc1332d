package connect

import (
	"time"

	cp "github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// setLeaseInterval takes the gateway's extend-lease interval (when Options
// does not set one); the lease loop picks it up at its next tick.
func (w *Worker) setLeaseInterval(d time.Duration) {
	w.leaseEvery.Store(int64(d))
}

func (w *Worker) leaseInterval() time.Duration {
	if w.opts.ExtendLeaseInterval > 0 {
		return w.opts.ExtendLeaseInterval
	}
	if d := time.Duration(w.leaseEvery.Load()); d > 0 {
		return d
	}
	return 30 * time.Second
}

// extendLeases is the worker's one lease goroutine: every lease interval it
// extends the lease of each request in flight on the current connection, so a
// busy or blocked handler never costs its lease. It ends when stop closes.
func (w *Worker) extendLeases(stop <-chan struct{}) {
	every := w.leaseInterval()
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if c := w.current(); c != nil {
			for _, r := range w.leased() {
				if err := w.extend(c, r); err != nil {
					w.logger.Warn("inngest: connect: could not send a lease extension", "request_id", r.data.RequestId, "error", err)
					break
				}
			}
		}
		every = w.leaseInterval()
		t.Reset(every)
	}
}

// extend sends one lease extension. It holds the request's lock while
// checking and sending, so that an extension is never written after the
// reply (deliver marks the request replied under the same lock first).
func (w *Worker) extend(c *conn, r *request) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.leaseLost || r.replied {
		return nil
	}
	d := r.data
	return c.send(cpExtend, &cp.WorkerRequestExtendLeaseData{
		RequestId: d.RequestId, AccountId: d.AccountId, EnvId: d.EnvId, AppId: d.AppId,
		FunctionSlug: d.FunctionSlug, StepId: d.StepId, SystemTraceCtx: d.SystemTraceCtx,
		UserTraceCtx: d.UserTraceCtx, RunId: d.RunId, LeaseId: r.lease,
	})
}

// leased is the requests in flight whose lease is still held and whose reply
// is not with the gateway yet.
func (w *Worker) leased() []*request {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*request, 0, len(w.inflight))
	for _, r := range w.inflight {
		r.mu.Lock()
		skip := r.leaseLost || r.replied
		r.mu.Unlock()
		if !skip {
			out = append(out, r)
		}
	}
	return out
}

// leaseAnswered records the gateway's answer to an extension: the new lease,
// or, without one, that the lease is lost (another worker may run the request
// now; this one stops extending it but still delivers its reply).
func (w *Worker) leaseAnswered(a *cp.WorkerRequestExtendLeaseAckData) {
	w.mu.Lock()
	r := w.inflight[a.RequestId]
	w.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.NewLeaseId == nil || *a.NewLeaseId == "" {
		if !r.leaseLost && !r.replied {
			w.logger.Warn("inngest: connect: lease lost; no longer extending it", "request_id", a.RequestId, "function_slug", a.FunctionSlug)
		}
		r.leaseLost = true
		return
	}
	r.lease = *a.NewLeaseId
}
