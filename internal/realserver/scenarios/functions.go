package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Observer notes, for every run that called the app, its function, when it was
// first called (on the Runtime's clock) and which events it received.
type Observer struct {
	mu   sync.Mutex
	rt   Runtime
	runs map[string]Seen
}

// Seen is what the app saw of one run.
type Seen struct {
	Slug      string
	FirstCall time.Time
	Events    []int
}

// NewObserver returns an observer reading rt's clock.
func NewObserver(rt Runtime) *Observer {
	return &Observer{rt: rt, runs: map[string]Seen{}}
}

func (o *Observer) saw(slug, runID string, ns []int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.runs[runID]; !ok {
		o.runs[runID] = Seen{Slug: slug, FirstCall: o.rt.Now(), Events: ns}
	}
}

// Runs returns a copy of what was seen, by run id.
func (o *Observer) Runs() map[string]Seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[string]Seen, len(o.runs))
	for k, v := range o.runs {
		out[k] = v
	}
	return out
}

// Build defines the scenario's functions on client (whose AppID must be s.AppID()).
func (s *Scenario) Build(client *inngest.Client, rt Runtime, obs *Observer) ([]inngest.ServableFunction, error) {
	out := make([]inngest.ServableFunction, 0, len(s.Functions))
	for _, f := range s.Functions {
		tr := inngest.InvokeOnly[Data]()
		if f.Cron != "" {
			tr = inngest.OnCronAs[Data](f.Cron)
		}
		if f.On != "" {
			def := events.Define[Data]
			if strings.HasPrefix(f.On, "inngest/") {
				def = events.Internal[Data]
			}
			tr = inngest.OnEventIf(def(f.On, events.WithoutValidation()), f.If)
		}
		fn, err := inngest.NewFunction(client, f.Opts, tr, body(s.AppID(), f, rt, obs))
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		out = append(out, fn)
	}
	return out, nil
}

func body(appID string, f Fn, rt Runtime, obs *Observer) inngest.Handler[Data, Result] {
	slug := f.Opts.ID
	return func(ctx context.Context, in inngest.Input[Data]) (Result, error) {
		ns := make([]int, len(in.Events))
		for i, e := range in.Events {
			ns[i] = e.Data.N
		}
		obs.saw(slug, in.RunID, ns)
		if f.Hold > 0 {
			if _, err := step.Run(ctx, "work", func(ctx context.Context) (int, error) {
				rt.Hold(ctx, f.Hold)
				return len(ns), nil
			}); err != nil {
				return Result{}, err
			}
		}
		if f.Sleep > 0 {
			if err := step.Sleep(ctx, "nap", f.Sleep); err != nil {
				return Result{}, err
			}
		}
		res := Result{N: ns}
		if d := in.Event.Data; lifecycleEvent(in.Event.Name) && d.Inngest != nil {
			res.Saw = &Saw{Event: in.Event.Name, Function: strings.TrimPrefix(d.FunctionID, appID+"-"), Status: d.Inngest.Status,
				IDIsRunID: in.Event.ID == d.RunID, Error: d.Error, Result: d.Result}
		}
		if f.Invoke != "" {
			timeout := f.InvokeTimeout
			if timeout <= 0 {
				timeout = time.Minute
			}
			out, err := step.Invoke(ctx, "call", inngest.Ref[Data, Result](appID+"-"+f.Invoke), in.Event.Data, timeout)
			var se *inngest.StepError
			switch {
			case errors.As(err, &se):
				res.InvokeError = se.Message
			case err != nil:
				return Result{}, err
			default:
				res.Invoked = &out
			}
		}
		if d := in.Event.Data; in.Event.Name == "inngest/scheduled.timer" {
			at, err := time.Parse(time.RFC3339, d.ScheduledAt)
			res.Tick = &Tick{Event: in.Event.Name, Cron: d.Cron, Minute: err == nil && at.Second() == 0,
				IDIsScheduledAt: in.Event.ID == d.ScheduledAt, FireAtIsScheduledAt: d.FireAt == d.ScheduledAt,
				TSIsScheduledAt: err == nil && in.Event.TS == at.UnixMilli()}
		}
		if f.Fail {
			return res, inngest.NoRetry(errors.New("scenario failure"))
		}
		return res, nil
	}
}

// lifecycleEvent reports whether name is one of the server's lifecycle events.
func lifecycleEvent(name string) bool {
	switch name {
	case "inngest/function.finished", "inngest/function.failed", "inngest/function.cancelled":
		return true
	}
	return false
}
