package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/runtype"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// This file holds the read (and few action) methods that tools built on the
// engine, such as its web UI (package engine/devui), use to show its state.

// ErrRunNotFound is returned by CancelRun and Rerun for an unknown run.
var ErrRunNotFound = errors.New("inngest: run not found")

// ErrFunctionNotFound is returned by Rerun when the run's function is no
// longer synced.
var ErrFunctionNotFound = errors.New("inngest: function not found")

// Clock returns the engine's clock: Options.Clock, or RealClock. A tool may
// type-assert it to *VirtualClock to show or advance virtual time.
func (e *Engine) Clock() Clock { return e.clock }

// RequiresKey reports whether Options.SigningKey is set, so that the run API
// and sync require the key.
func (e *Engine) RequiresKey() bool { return e.opts.SigningKey != "" }

// Events returns up to limit received events, newest first (internal events,
// such as a run's function.failed stored under its run ID, are left out). A
// enginestore.Store that does not implement enginestore.EventLister yields the events of the stored
// runs instead. A Store's error is returned. It reads the Store without
// taking the engine's lock.
func (e *Engine) Events(limit int) ([]enginestore.EventRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	if l, ok := e.base.(enginestore.EventLister); ok {
		evs, err := l.RecentEvents(e.ctx, limit)
		if err != nil {
			return nil, fmt.Errorf("inngest: list events: %w", err)
		}
		return evs, nil
	}
	rs, err := e.base.Runs(e.ctx)
	if err != nil {
		return nil, fmt.Errorf("inngest: list events: %w", err)
	}
	seen := map[string]bool{}
	var out []enginestore.EventRecord
	for _, r := range rs {
		for _, id := range r.EventIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			ev, err := e.base.Event(e.ctx, id)
			if errors.Is(err, enginestore.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("inngest: list events: %w", err)
			}
			if !ev.Internal {
				out = append(out, ev)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.After(out[j].ReceivedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Event returns one received event: an error wrapping
// enginestore.ErrNotFound when there is none, or the Store's error. It reads
// the Store without taking the engine's lock.
func (e *Engine) Event(id string) (enginestore.EventRecord, error) {
	ev, err := e.base.Event(e.ctx, id)
	if err != nil {
		return enginestore.EventRecord{}, fmt.Errorf("inngest: read event %s: %w", id, err)
	}
	return ev, nil
}

// AppInfo is a synced app.
type AppInfo struct {
	// Name is the app's ID (appName of its sync); URL where it is served.
	Name, URL string
	// SyncedAt is the engine time of the app's last sync request, whether or
	// not it changed anything; zero when the app was restored from the enginestore.Store
	// and has not synced since the engine started.
	SyncedAt time.Time
	// Functions are the app's functions in sync order.
	Functions []FunctionInfo
}

// FunctionInfo is a synced function.
type FunctionInfo struct {
	// ID is the composite ID ("<app>-<fn>"); Name the display name.
	ID, Name string
	// Triggers are the function's triggers as synced.
	Triggers []TriggerInfo
	// Config is the rest of the synced definition as a JSON object: flow
	// control (concurrency, throttle, rateLimit, debounce, batchEvents,
	// priority, idempotency, cancel, timeouts, singleton) and retries.
	Config []byte
}

// TriggerInfo is one trigger of a function: an event (with an optional
// expression) or a cron schedule.
type TriggerInfo struct {
	Event, Expression, Cron string
}

// Apps returns the synced apps in the order they first synced, or the
// Store's error.
func (e *Engine) Apps() ([]AppInfo, error) {
	l := e.lock()
	defer l.unlock()
	names := make([]string, 0, len(l.s.apps))
	for n := range l.s.apps {
		names = append(names, n)
	}
	recs, err := e.base.Apps(e.ctx)
	if err != nil {
		return nil, fmt.Errorf("inngest: list apps: %w", err)
	}
	order := map[string]int{}
	for i, r := range recs {
		order[r.Name] = i
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	out := make([]AppInfo, 0, len(names))
	for _, n := range names {
		a := l.s.apps[n]
		info := AppInfo{Name: n, URL: a.rec.URL, SyncedAt: l.s.syncedAt[n]}
		for _, f := range a.fns {
			info.Functions = append(info.Functions, functionInfo(f))
		}
		out = append(out, info)
	}
	return out, nil
}

func functionInfo(f *fnState) FunctionInfo {
	fi := FunctionInfo{ID: f.id, Name: f.def.Name}
	for _, t := range f.def.Triggers {
		fi.Triggers = append(fi.Triggers, TriggerInfo{Event: t.Event, Expression: t.Expression, Cron: t.Cron})
	}
	cfg := map[string]any{}
	if b, err := jsoncodec.Marshal(f.def); err == nil {
		_ = jsoncodec.Unmarshal(b, &cfg)
	}
	for _, k := range []string{"id", "name", "triggers", "steps"} {
		delete(cfg, k)
	}
	fi.Config, _ = jsoncodec.Marshal(cfg)
	return fi
}

// noteSyncLocked records when an app last asked to sync.
func (e locked) noteSyncLocked(app string) {
	if e.s.syncedAt == nil {
		e.s.syncedAt = map[string]time.Time{}
	}
	e.s.syncedAt[app] = e.clock.Now()
}

// CancelRun cancels a run as DELETE /v1/runs/{id} does; a run that already
// finished is left as it is. It returns ErrRunNotFound for an unknown run.
func (e *Engine) CancelRun(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := e.lock()
	defer l.unlock()
	run := l.loadRunLocked(id)
	if run == nil {
		return fmt.Errorf("%w: %s", ErrRunNotFound, id)
	}
	err := l.atomicLocked(func(e locked) error {
		e.cancelRunLocked(run, "cancelled via the API")
		return nil
	})
	e.poke()
	return err
}

// Rerun starts a new run of a run's function with the same triggering
// events, as the dev server's "Rerun" does, and returns it: RerunFrom with
// the zero RerunOptions (the whole run runs again).
func (e *Engine) Rerun(ctx context.Context, id string) (runtype.Run, error) {
	return e.RerunFrom(ctx, id, RerunOptions{})
}
