package rules

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Decode reproduces the checks of the server's typed decoder: a value that
// fails them makes the server answer "Invalid request: …" before any
// function is looked at (PROTOCOL §10.1). It returns the first problem.
func Decode(f wire.Function) error {
	for _, c := range f.Concurrency {
		if c.FnLevel {
			continue // a plain string on the server, checked by Config
		}
		switch strings.ToLower(c.Scope) {
		case "", "fn", "env", "account":
		default:
			return fmt.Errorf("invalid concurrency scope %q (use fn, env or account)", c.Scope)
		}
	}
	if t := f.Throttle; t != nil {
		if _, err := timestr.Parse(t.Period); err != nil || t.Period == "" {
			return fmt.Errorf("invalid throttle period %q", t.Period)
		}
	}
	if s := f.Singleton; s != nil {
		switch strings.ToLower(s.Mode) {
		case "skip", "cancel":
		default:
			return fmt.Errorf("invalid singleton mode %q (use skip or cancel)", s.Mode)
		}
	}
	return nil
}

// Function returns every problem the server's per-function checks find in
// f (PROTOCOL §10.2): those of Config and those of the function's steps.
func Function(f wire.Function) []string {
	var errs []string
	if len(f.Steps) != 1 {
		errs = append(errs, "Functions must contain one step")
	}
	for _, s := range f.Steps {
		if s.Name == "" {
			errs = append(errs, "All steps must have a name")
		}
		if s.Runtime.URL == "" {
			errs = append(errs, "No SDK URL provided for function")
			continue
		}
		u, err := url.Parse(s.Runtime.URL)
		if err != nil {
			errs = append(errs, fmt.Sprintf("invalid SDK URL: %v", err))
			continue
		}
		switch u.Scheme {
		case "http", "https", "ws", "wss":
		default:
			errs = append(errs, fmt.Sprintf("invalid SDK URL scheme %q", u.Scheme))
		}
	}
	return append(errs, Config(f)...)
}

// Config returns every problem the server's per-function checks find in f's
// name, triggers and flow control, leaving out its steps (whose runtime URL
// is known only when the app is served). Retries are not checked: the server
// caps them (MaxRetries) instead of refusing them.
func Config(f wire.Function) []string {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	compile := func(what string, kind expr.Kind, src string) {
		if strings.TrimSpace(src) == "" {
			return
		}
		if err := expr.Check(kind, src); err != nil {
			add("%s: %v", what, err)
		}
	}
	if f.Name == "" {
		add("A function name is required")
	}
	if len(f.Triggers) > MaxTriggers {
		add("Functions may have at most %d triggers, got %d", MaxTriggers, len(f.Triggers))
	}
	seen := map[string]bool{}
	for _, t := range f.Triggers {
		switch {
		case t.Event != "" && t.Cron != "":
			add("A trigger must have either an event or a cron, not both")
		case t.Event == "" && t.Cron == "":
			add("A trigger must have an event or a cron")
		case t.Event != "":
			if len(t.Event) > MaxEventNameLen {
				add("Event names must be at most %d characters", MaxEventNameLen)
			}
			compile("trigger expression", expr.Trigger, t.Expression)
		default:
			if len(t.Cron) > MaxCronLen {
				add("Cron expressions must be at most %d characters", MaxCronLen)
			}
			if _, err := cronexpr.Parse(t.Cron); err != nil {
				add("invalid cron expression %q: %v", t.Cron, err)
			}
			if _, err := cronexpr.ParseJitter(t.Jitter); err != nil {
				add("invalid cron jitter %q: %v", t.Jitter, err)
			}
		}
		k := t.Event + "\x00" + t.Expression + "\x00" + t.Cron
		if seen[k] {
			add("duplicate trigger %q", t.Event+t.Cron)
		}
		seen[k] = true
	}
	fnLimits, stepLimits := 0, 0
	for _, c := range f.Concurrency {
		if c.FnLevel {
			// An entry of the {fn:[…]} list, a run-level limit: the server
			// checks its scope, limit and key (FnConcurrency.Validate).
			fnLimits++
			switch c.Scope {
			case "", "fn":
				if c.Limit <= 0 {
					add("function concurrency limit must be > 0")
				}
				compile("function concurrency key", expr.Key, c.Key)
			case "app":
				add("app-scoped function concurrency cannot be set by users")
			default:
				add("invalid function concurrency scope: %s", c.Scope)
			}
			continue
		}
		stepLimits++
		switch strings.ToLower(c.Scope) {
		case "", "fn":
		default:
			if c.Key == "" {
				add("A concurrency key is required for the %q scope", c.Scope)
			}
		}
		compile("concurrency key", expr.Key, c.Key)
	}
	if stepLimits > MaxStepConcurrency {
		add("at most %d concurrency limits, got %d", MaxStepConcurrency, stepLimits)
	}
	if fnLimits > MaxFnConcurrency {
		add("Only one function concurrency limit is allowed")
	}
	if b := f.BatchEvents; b != nil {
		if b.MaxSize < MinBatchMaxSize {
			add("batchEvents.maxSize must be at least %d", MinBatchMaxSize)
		}
		// time.ParseDuration, not a time string: no d or w units here.
		d, err := time.ParseDuration(b.Timeout)
		if err != nil {
			add("batchEvents.timeout %q: %v", b.Timeout, err)
		} else if d < MinBatchTimeout {
			add("batchEvents.timeout must be at least %s", MinBatchTimeout)
		}
		compile("batch key", expr.Key, b.Key)
		compile("batch if", expr.Trigger, b.If)
		if len(f.Cancel) > 0 {
			add("batchEvents cannot be combined with cancel (CodeComboUnsupported)")
		}
		if f.Debounce != nil {
			add("batchEvents cannot be combined with debounce (CodeComboUnsupported)")
		}
		if f.Singleton != nil {
			add("batchEvents cannot be combined with singleton (CodeComboUnsupported)")
		}
		if f.Priority != nil && f.Priority.Run != "" {
			add("batchEvents cannot be combined with priority.run")
		}
	}
	if len(f.Cancel) > MaxCancellations {
		add("Functions may have at most %d cancellation events, got %d", MaxCancellations, len(f.Cancel))
	}
	for _, c := range f.Cancel {
		if c.Event == "" {
			add("cancel: an event name is required")
		}
		compile("cancel if", expr.Cancel, c.If)
		if c.Timeout != "" {
			if _, err := timestr.Parse(c.Timeout); err != nil {
				if _, err2 := time.Parse(time.RFC3339, c.Timeout); err2 != nil {
					add("cancel timeout %q: %v", c.Timeout, err)
				}
			}
		}
	}
	if d := f.Debounce; d != nil {
		compile("debounce key", expr.Key, d.Key)
		p, err := timestr.Parse(d.Period)
		switch {
		case err != nil:
			add("debounce period %q: %v", d.Period, err)
		case p < MinDebouncePeriod || p > MaxDebouncePeriod:
			add("debounce period must be between %s and 7d", MinDebouncePeriod)
		}
		if d.Timeout != "" {
			if _, err := timestr.Parse(d.Timeout); err != nil {
				add("debounce timeout %q: %v", d.Timeout, err)
			}
		}
	}
	if r := f.RateLimit; r != nil {
		if r.Limit <= 0 {
			add("rateLimit.limit must be > 0")
		}
		p, err := timestr.Parse(r.Period)
		switch {
		case r.Period == "" || err != nil:
			add("rateLimit.period %q is invalid", r.Period)
		case p > MaxRateLimitPeriod:
			add("rateLimit.period must be at most 24h")
		}
		compile("rateLimit key", expr.Key, r.Key)
	}
	if t := f.Throttle; t != nil {
		compile("throttle key", expr.Key, t.Key)
	}
	compile("idempotency", expr.Key, f.Idempotency)
	if p := f.Priority; p != nil {
		compile("priority.run", expr.Priority, p.Run)
	}
	if s := f.Singleton; s != nil {
		compile("singleton key", expr.Key, s.Key)
	}
	return errs
}
