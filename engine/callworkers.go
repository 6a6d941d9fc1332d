package engine

// Calls run on call workers: a worker that finished a call waits for the
// next one instead of exiting, so that the goroutine's stack, grown by the
// HTTP client, is reused rather than grown again for every call. A worker is
// started only when none is idle, so their number follows the most calls
// ever in flight at once (which MaxConcurrentCalls bounds); every worker
// exits when the engine closes.

// dispatchCallLocked runs job on an idle call worker, or on a new one when
// none is idle. The caller has counted job in e.wg.
func (e locked) dispatchCallLocked(job *callJob) {
	select {
	case e.callJobs <- job:
	default:
		e.s.callWorkers++
		e.wg.Add(1)
		go e.callWorker(job)
	}
}

// callWorker runs job, then the calls handed to it, until the engine closes.
func (e *Engine) callWorker(job *callJob) {
	defer e.wg.Done()
	for {
		e.runCall(job)
		select {
		case job = <-e.callJobs:
		case <-e.ctx.Done():
			return
		}
	}
}
