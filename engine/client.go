package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Sync asks the app served at appURL to sync, like the dev server does: it
// sends PUT appURL with {"url": appURL} and X-Inngest-Server-Kind: dev, which
// makes the SDK POST its functions to /fn/register; with Options.SigningKey the
// PUT is signed and says Server-Kind cloud, as a signed server (`inngest
// start`) sends its own. The engine's Handler must
// be reachable at the SDK's configured API origin.
func (e *Engine) Sync(ctx context.Context, appURL string) error {
	body, _ := jsoncodec.Marshal(wire.SyncRequest{URL: appURL})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, appURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("inngest: sync: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderServerKind, wire.ServerKindDev)
	if e.opts.SigningKey != "" {
		// Signed and sent as `inngest start` sends its own (Server-Kind cloud,
		// testdata/realserver/wire-signed.json), so that an app in cloud mode
		// trusts it (an unsigned one syncs only to the app's ServeOrigin).
		req.Header.Set(wire.HeaderServerKind, wire.ServerKindCloud)
		req.Header.Set(wire.HeaderSignature, wire.Sign(e.opts.SigningKey, time.Now(), body))
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("inngest: sync %s: %w", appURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("inngest: sync %s: status %d: %s", appURL, resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// Send ingests events as POST /e/{key} would and returns their IDs in order.
func (e *Engine) Send(ctx context.Context, evs ...events.Sendable) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	envs := make([]events.Envelope, len(evs))
	for i, s := range evs {
		env, err := s.Envelope()
		if err != nil {
			return nil, err
		}
		envs[i] = env
	}
	body, err := jsoncodec.Marshal(envs)
	if err != nil {
		return nil, fmt.Errorf("inngest: send: %w", err)
	}
	ids, err := e.sendRaw(body, "")
	if err != nil {
		return nil, fmt.Errorf("inngest: send: %w", err)
	}
	return ids, nil
}

// SendJSON ingests a raw /e body (one event object or an array).
func (e *Engine) SendJSON(ctx context.Context, body []byte) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids, err := e.sendRaw(body, "")
	if err != nil {
		return nil, fmt.Errorf("inngest: send: %w", err)
	}
	return ids, nil
}

// Runs returns a snapshot of every run, oldest first, or the Store's error.
// It reads the Store without taking the engine's lock.
func (e *Engine) Runs() ([]runtype.Run, error) { return e.readRuns() }

// readRuns reads every run from the configured Store, with or without e.mu
// held (WaitFor reads without it, and with it only after repeated changes).
func (e *Engine) readRuns() ([]runtype.Run, error) {
	rs, err := e.base.Runs(e.ctx)
	if err != nil {
		return nil, fmt.Errorf("inngest: list runs: %w", err)
	}
	return runsOf(rs), nil
}

// runsOf returns the runs of stored records, which the Store copied out.
func runsOf(rs []*enginestore.RunRecord) []runtype.Run {
	out := make([]runtype.Run, len(rs))
	for i, r := range rs {
		out[i] = r.Run
	}
	return out
}

// Run returns a snapshot of one run: ErrRunNotFound when there is no such
// run, or the Store's error. It reads the Store without taking the engine's
// lock.
func (e *Engine) Run(id string) (runtype.Run, error) {
	r, err := e.base.Run(e.ctx, id)
	switch {
	case errors.Is(err, enginestore.ErrNotFound):
		return runtype.Run{}, fmt.Errorf("%w: %s", ErrRunNotFound, id)
	case err != nil:
		return runtype.Run{}, fmt.Errorf("inngest: read run %s: %w", id, err)
	}
	return r.Run, nil
}

// RunsForEvent returns the runs an event started (a batch run is listed
// under each of its events), or the Store's error. It reads the Store
// without taking the engine's lock.
func (e *Engine) RunsForEvent(eventID string) ([]runtype.Run, error) {
	rs, err := e.base.RunsForEvent(e.ctx, eventID)
	if err != nil {
		return nil, fmt.Errorf("inngest: list runs of event %s: %w", eventID, err)
	}
	return runsOf(rs), nil
}

// waitFor blocks until cond (called with e.mu held) reports done or fails.
func (e *Engine) waitFor(ctx context.Context, cond func() (bool, error)) error {
	for {
		l := e.lock()
		if done, err := cond(); done || err != nil {
			l.unlock()
			return err
		}
		if l.s.closed {
			l.unlock()
			return errClosed
		}
		ch := l.watchChangesLocked()
		l.unlock()
		if err := e.awaitChange(ctx, ch); err != nil {
			return err
		}
	}
}

// awaitChange blocks until ch (e.s.changed, read under the lock) is closed by
// the next change, ctx ends or the engine closes.
func (e *Engine) awaitChange(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-e.ctx.Done():
		return errClosed
	case <-ch:
		return nil
	}
}

// WaitForRun blocks until the run reaches a final status and returns it.
func (e *Engine) WaitForRun(ctx context.Context, runID string) (runtype.Run, error) {
	var out runtype.Run
	err := e.waitFor(ctx, func() (bool, error) {
		r, err := e.base.Run(e.ctx, runID)
		if errors.Is(err, enginestore.ErrNotFound) || err == nil && !r.Status.Done() {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		out = r.Run
		return true, nil
	})
	if err != nil {
		return runtype.Run{}, fmt.Errorf("inngest: wait for run %s: %w", runID, err)
	}
	return out, nil
}

// WaitForEventRuns blocks until the event has started at least n runs and
// all of them reached a final status; it returns them.
func (e *Engine) WaitForEventRuns(ctx context.Context, eventID string, n int) ([]runtype.Run, error) {
	var out []runtype.Run
	err := e.waitFor(ctx, func() (bool, error) {
		rs, err := e.base.RunsForEvent(e.ctx, eventID)
		if err != nil || len(rs) < n {
			return false, err
		}
		out = out[:0]
		for _, r := range rs {
			if !r.Status.Done() {
				return false, nil
			}
			out = append(out, r.Run)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("inngest: wait for runs of event %s: %w", eventID, err)
	}
	return out, nil
}

// WaitFor blocks until pred, called with a snapshot of all runs after every
// change, returns true. A change is a run's, a call ending or a timer firing,
// so pred may also check Idle. pred runs without the engine's lock held, so
// it may call back into the engine (Runs, Send, ...); a change it causes is
// seen by the next call.
//
// The Store is read without the engine's lock: the waiter takes the change
// channel under the lock, reads after releasing it, and then passes the lock
// once more (so a section that overlapped the read has ended); when no
// section notified a change meanwhile, the snapshot is one the engine was in
// between two sections. Otherwise it reads again, and after
// maxUnlockedReadTries such tries it reads under the lock.
func (e *Engine) WaitFor(ctx context.Context, pred func(runs []runtype.Run) bool) error {
	for tries := 0; ; {
		l := e.lock()
		if l.s.closed {
			l.unlock()
			return errClosed
		}
		ch := l.watchChangesLocked()
		var out []runtype.Run
		var err error
		if tries >= maxUnlockedReadTries {
			out, err = e.readRuns()
			l.unlock()
		} else {
			l.unlock()
			out, err = e.readRuns()
			if err == nil && e.changedSince(ch) {
				tries++
				continue
			}
		}
		if err != nil {
			return err
		}
		tries = 0
		if pred(out) {
			return nil
		}
		if err := e.awaitChange(ctx, ch); err != nil {
			return err
		}
	}
}

// maxUnlockedReadTries is how many snapshots WaitFor reads without the lock
// and drops because the engine changed meanwhile before it reads one under
// the lock.
const maxUnlockedReadTries = 3

// changedSince reports whether a change was notified on ch (taken with
// watchChangesLocked). It passes the lock first, so that a section running
// when it is called has ended and has notified if it changed anything.
func (e *Engine) changedSince(ch <-chan struct{}) bool {
	e.lock().unlock()
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Idle reports whether no call is in flight and no work is due now.
func (e *Engine) Idle() bool {
	l := e.lock()
	defer l.unlock()
	now := e.clock.Now()
	return l.idleLocked(now)
}
