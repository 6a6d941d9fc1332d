package engine

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/enginestore"
	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

type appState struct {
	rec enginestore.AppRecord
	fns []*fnState
}

type trigger struct {
	event string
	cond  *expr.Program
	cron  string
	sched *cronexpr.Schedule
}

type concLimit struct {
	scope  string // fn, env, account
	limit  int
	keySrc string
	key    *expr.Program
	sem    *flow.Concurrency // nil for env/account: looked up in Engine.shared
}

type cancelDef struct {
	event   string
	cond    string
	timeout time.Duration
}

// fnState is a synced function with its compiled options and flow-control state.
type fnState struct {
	app    *appState
	def    wire.Function
	config string // fnConfigDigest(def)
	// flowConfig identifies each flow-control option's configuration.
	flowConfig map[enginestore.FlowKind]string
	id         string
	uuid       string
	url        string
	// discoveryURL is stepURL(url, "step"), the URL of discovery calls.
	discoveryURL string
	maxAttempts  int
	triggers     []trigger

	conc []concLimit
	// runLimit is the run-level (fn) concurrency limit, or nil: a run holds
	// one of its slots, under r.Keys[runLimitKey], from its first call until
	// it ends (runlimit.go).
	runLimit    *concLimit
	throttle    *flow.Throttle
	throttleKey *expr.Program
	// throttlePeriod and ratePeriod are the options' periods.
	throttlePeriod time.Duration
	rateLimit      *flow.RateLimit
	rateKey        *expr.Program
	ratePeriod     time.Duration
	idem           *flow.Idempotency
	idemKey        *expr.Program
	debounce       *flow.Debounce[json.RawMessage]
	debounceKey    *expr.Program
	batch          *flow.Batch[json.RawMessage]
	batchKey       *expr.Program
	batchIf        *expr.Program
	singleton      *flow.Singleton
	singleKey      *expr.Program
	singleMode     string
	priority       *expr.Program
	cancels        []cancelDef
	startTO        time.Duration
	finishTO       time.Duration
	// endpoint is set for the function of durable endpoint runs (endpoint.go).
	endpoint *endpointFn
}

// buildFunction compiles a validated function definition.
func (e *Engine) buildFunction(app *appState, f wire.Function) (*fnState, error) {
	fs := &fnState{app: app, def: f, config: fnConfigDigest(f), flowConfig: flowConfigs(f), id: f.ID, uuid: fnUUID(app.rec.ID, f.ID)}
	for _, s := range f.Steps {
		fs.url = s.Runtime.URL
		retries := rules.DefaultRetries
		if s.Retries != nil {
			retries = s.Retries.Attempts
		} else if f.Retries != nil {
			retries = *f.Retries
		}
		retries = min(max(retries, 0), rules.MaxRetries)
		fs.maxAttempts = retries + 1
	}
	fs.discoveryURL = stepURL(fs.url, wire.DiscoveryStepID)
	var err error
	for _, t := range f.Triggers {
		tr := trigger{event: t.Event, cron: t.Cron}
		if t.Event != "" && t.Expression != "" {
			if tr.cond, err = e.compileExpr(expr.Trigger, t.Expression); err != nil {
				return nil, err
			}
		}
		if t.Cron != "" {
			if tr.sched, err = cronexpr.Parse(t.Cron); err != nil {
				return nil, err
			}
		}
		fs.triggers = append(fs.triggers, tr)
	}
	keyOf := func(src string) (*expr.Program, error) {
		if strings.TrimSpace(src) == "" {
			return nil, nil
		}
		return e.compileExpr(expr.Key, src)
	}
	for _, c := range f.Concurrency {
		if c.Limit <= 0 {
			continue
		}
		if c.FnLevel {
			rl := concLimit{scope: "fn", limit: c.Limit, keySrc: strings.TrimSpace(c.Key), sem: flow.NewConcurrency(c.Limit)}
			if rl.key, err = keyOf(c.Key); err != nil {
				return nil, err
			}
			fs.runLimit = &rl
			continue
		}
		cl := concLimit{scope: strings.ToLower(c.Scope), limit: c.Limit, keySrc: strings.TrimSpace(c.Key)}
		if cl.scope == "" {
			cl.scope = "fn"
		}
		if cl.key, err = keyOf(c.Key); err != nil {
			return nil, err
		}
		if cl.scope == "fn" {
			cl.sem = flow.NewConcurrency(c.Limit)
		}
		fs.conc = append(fs.conc, cl)
	}
	if t := f.Throttle; t != nil {
		period, _ := timestr.Parse(t.Period)
		fs.throttle = flow.NewThrottle(max(t.Limit, 1), period, t.Burst)
		fs.throttlePeriod = period
		if fs.throttleKey, err = keyOf(t.Key); err != nil {
			return nil, err
		}
	}
	// As on the server, idempotency is a rate limit of 1 per 24 h that
	// replaces a configured rateLimit.
	if r := f.RateLimit; r != nil && f.Idempotency == "" {
		period, _ := timestr.Parse(r.Period)
		fs.rateLimit = flow.NewRateLimit(r.Limit, period)
		fs.ratePeriod = period
		if fs.rateKey, err = keyOf(r.Key); err != nil {
			return nil, err
		}
	}
	if f.Idempotency != "" {
		fs.idem = flow.NewIdempotency(24 * time.Hour)
		if fs.idemKey, err = keyOf(f.Idempotency); err != nil {
			return nil, err
		}
	}
	if d := f.Debounce; d != nil {
		period, _ := timestr.Parse(d.Period)
		var timeout time.Duration
		if d.Timeout != "" {
			timeout, _ = timestr.Parse(d.Timeout)
		}
		fs.debounce = flow.NewDebounce[json.RawMessage](period, timeout)
		if fs.debounceKey, err = keyOf(d.Key); err != nil {
			return nil, err
		}
	}
	if b := f.BatchEvents; b != nil {
		timeout, _ := time.ParseDuration(b.Timeout)
		fs.batch = flow.NewBatch[json.RawMessage](b.MaxSize, timeout)
		if fs.batchKey, err = keyOf(b.Key); err != nil {
			return nil, err
		}
		if b.If != "" {
			if fs.batchIf, err = e.compileExpr(expr.Trigger, b.If); err != nil {
				return nil, err
			}
		}
	}
	if s := f.Singleton; s != nil {
		if fs.singleton, err = flow.NewSingleton(strings.ToLower(s.Mode)); err != nil {
			return nil, err
		}
		fs.singleMode = strings.ToLower(s.Mode)
		if fs.singleKey, err = keyOf(s.Key); err != nil {
			return nil, err
		}
	}
	if p := f.Priority; p != nil && p.Run != "" {
		if fs.priority, err = e.compileExpr(expr.Priority, p.Run); err != nil {
			return nil, err
		}
	}
	for _, c := range f.Cancel {
		cd := cancelDef{event: c.Event, cond: c.If, timeout: defaultCancelTimeout}
		if c.Timeout != "" {
			if d, err := timestr.Parse(c.Timeout); err == nil {
				cd.timeout = d
			}
		}
		fs.cancels = append(fs.cancels, cd)
	}
	if t := f.Timeouts; t != nil {
		if t.Start != "" {
			fs.startTO, _ = timestr.Parse(t.Start)
		}
		if t.Finish != "" {
			fs.finishTO, _ = timestr.Parse(t.Finish)
		}
	}
	return fs, nil
}

// defaultCancelTimeout is how long a cancelOn without a timeout lasts: the
// server's consts.CancelTimeout.
const defaultCancelTimeout = 365 * 24 * time.Hour
