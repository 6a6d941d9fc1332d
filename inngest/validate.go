package inngest

import (
	"fmt"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// buildConfig validates opts the way the server validates a registration (§10) and
// returns the registration entry (without the runtime URL).
func buildConfig(c *Client, opts FunctionOpts, triggers []wire.Trigger, invokeOnly bool) (wire.Function, error) {
	fail := func(format string, args ...any) (wire.Function, error) {
		return wire.Function{}, fmt.Errorf("%w %q: %s", ErrInvalidFunction, opts.ID, fmt.Sprintf(format, args...))
	}
	if !slugOK(opts.ID) {
		return fail("ID must be a slug of lower-case letters, digits, '-' or '_' (for example \"send-welcome-email\")")
	}
	name := opts.Name
	if strings.TrimSpace(name) == "" {
		name = opts.ID
	}
	fn := wire.Function{ID: c.cfg.AppID + "-" + opts.ID, Name: name}
	if len(triggers) == 0 && !invokeOnly {
		return fail("a function needs at least one trigger (or inngest.InvokeOnly)")
	}
	if len(triggers) > 10 {
		return fail("at most 10 triggers, got %d", len(triggers))
	}
	seen := map[string]bool{}
	for _, t := range triggers {
		key := t.Event + "\x00" + t.Expression + "\x00" + t.Cron
		if seen[key] {
			return fail("duplicate trigger %q", t.Event+t.Cron)
		}
		seen[key] = true
		switch {
		case t.Event != "" && t.Cron != "":
			return fail("a trigger is either an event or a cron")
		case t.Cron != "":
			if err := cronexpr.Check(t.Cron); err != nil {
				return fail("%v", err)
			}
		case t.Event != "":
			if len(t.Event) > 255 {
				return fail("event name longer than 255 characters")
			}
			if t.Expression != "" {
				if err := expr.Check(expr.Trigger, t.Expression); err != nil {
					return fail("%v", err)
				}
			}
		default:
			return fail("empty trigger")
		}
	}
	fn.Triggers = append([]wire.Trigger{}, triggers...)
	retries := opts.Retries
	switch {
	case retries == 0:
		retries = DefaultRetries
	case retries < 0:
		retries = 0
	case retries > MaxRetries:
		retries = MaxRetries
	}
	fn.Retries = &retries
	fn.Steps = map[string]wire.Step{"step": {ID: "step", Name: name, Retries: &wire.StepRetries{Attempts: retries}}}

	checkKey := func(what, key string) error {
		if key == "" {
			return nil
		}
		if err := expr.Check(expr.Key, key); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if len(opts.Concurrency) > 2 {
		return fail("at most 2 concurrency limits, got %d", len(opts.Concurrency))
	}
	for _, cc := range opts.Concurrency {
		if cc.Limit <= 0 {
			return fail("concurrency limit must be > 0")
		}
		scope := cc.Scope
		if scope == "" {
			scope = ScopeFunction
		}
		switch scope {
		case ScopeFunction:
		case ScopeEnv, ScopeAccount:
			if cc.Key == "" {
				return fail("concurrency with scope %q needs a Key", scope)
			}
		default:
			return fail("unknown concurrency scope %q (use fn, env or account)", scope)
		}
		if err := checkKey("concurrency key", cc.Key); err != nil {
			return fail("%v", err)
		}
		fn.Concurrency = append(fn.Concurrency, wire.Concurrency{Limit: cc.Limit, Key: cc.Key, Scope: string(scope)})
	}
	if t := opts.Throttle; t != nil {
		if t.Period <= 0 {
			return fail("throttle needs a Period")
		}
		if t.Limit < 0 || t.Burst < 0 {
			return fail("throttle limit and burst cannot be negative")
		}
		if err := checkKey("throttle key", t.Key); err != nil {
			return fail("%v", err)
		}
		limit := t.Limit
		if limit == 0 {
			limit = 1
		}
		fn.Throttle = &wire.Throttle{Limit: limit, Period: timestr.Format(t.Period), Burst: t.Burst, Key: t.Key}
	}
	if r := opts.RateLimit; r != nil {
		if r.Limit <= 0 {
			return fail("rate limit must be > 0")
		}
		if r.Period <= 0 || r.Period > 24*time.Hour {
			return fail("rate limit period must be > 0 and at most 24h")
		}
		if err := checkKey("rate limit key", r.Key); err != nil {
			return fail("%v", err)
		}
		fn.RateLimit = &wire.RateLimit{Limit: r.Limit, Period: timestr.Format(r.Period), Key: r.Key}
	}
	if d := opts.Debounce; d != nil {
		if d.Period < time.Second || d.Period > 7*24*time.Hour {
			return fail("debounce period must be between 1s and 7 days")
		}
		if d.Timeout < 0 {
			return fail("debounce timeout cannot be negative")
		}
		if err := checkKey("debounce key", d.Key); err != nil {
			return fail("%v", err)
		}
		fn.Debounce = &wire.Debounce{Period: timestr.Format(d.Period), Key: d.Key}
		if d.Timeout > 0 {
			fn.Debounce.Timeout = timestr.Format(d.Timeout)
		}
	}
	if b := opts.BatchEvents; b != nil {
		if b.MaxSize < 2 {
			return fail("batch MaxSize must be at least 2")
		}
		if b.Timeout < time.Second {
			return fail("batch Timeout must be at least 1s")
		}
		if err := checkKey("batch key", b.Key); err != nil {
			return fail("%v", err)
		}
		if err := checkKey("batch if", b.If); err != nil {
			return fail("%v", err)
		}
		switch {
		case len(opts.CancelOn) > 0:
			return fail("BatchEvents cannot be combined with CancelOn")
		case opts.Debounce != nil:
			return fail("BatchEvents cannot be combined with Debounce")
		case opts.Singleton != nil:
			return fail("BatchEvents cannot be combined with Singleton")
		case opts.Priority != nil && opts.Priority.Run != "":
			return fail("BatchEvents cannot be combined with Priority")
		}
		fn.BatchEvents = &wire.BatchEvents{MaxSize: b.MaxSize, Timeout: timestr.FormatGo(b.Timeout), Key: b.Key, If: b.If}
	}
	if p := opts.Priority; p != nil && p.Run != "" {
		if err := expr.Check(expr.Priority, p.Run); err != nil {
			return fail("%v", err)
		}
		fn.Priority = &wire.Priority{Run: p.Run}
	}
	if opts.Idempotency != "" {
		if err := checkKey("idempotency", opts.Idempotency); err != nil {
			return fail("%v", err)
		}
		fn.Idempotency = opts.Idempotency
	}
	if len(opts.CancelOn) > 5 {
		return fail("at most 5 CancelOn rules, got %d", len(opts.CancelOn))
	}
	for _, co := range opts.CancelOn {
		if co.Event == nil || co.Event.EventName() == "" {
			return fail("CancelOn needs an Event")
		}
		if co.If != "" {
			if err := expr.Check(expr.Cancel, co.If); err != nil {
				return fail("%v", err)
			}
		}
		wc := wire.Cancel{Event: co.Event.EventName(), If: co.If}
		if co.Timeout > 0 {
			wc.Timeout = timestr.Format(co.Timeout)
		}
		fn.Cancel = append(fn.Cancel, wc)
	}
	if t := opts.Timeouts; t != nil && (t.Start > 0 || t.Finish > 0) {
		fn.Timeouts = &wire.Timeouts{}
		if t.Start > 0 {
			fn.Timeouts.Start = timestr.Format(t.Start)
		}
		if t.Finish > 0 {
			fn.Timeouts.Finish = timestr.Format(t.Finish)
		}
	}
	if s := opts.Singleton; s != nil {
		mode := s.Mode
		if mode == "" {
			mode = SingletonSkip
		}
		if mode != SingletonSkip && mode != SingletonCancel {
			return fail("unknown singleton mode %q (use skip or cancel)", mode)
		}
		if err := checkKey("singleton key", s.Key); err != nil {
			return fail("%v", err)
		}
		fn.Singleton = &wire.Singleton{Key: s.Key, Mode: string(mode)}
	}
	return fn, nil
}
