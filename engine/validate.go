package engine

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine/flow"
	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
	"github.com/seed-b02f2472/inngest-go/internal/expr"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// decodeCheck reproduces the checks the server's typed decoder makes: values
// that fail them are answered "Invalid request: …" before any function is
// looked at (§10.1).
func decodeCheck(req *wire.RegisterRequest) error {
	for _, f := range req.Functions {
		for _, c := range f.Concurrency {
			switch strings.ToLower(c.Scope) {
			case "", "fn", "env", "account":
			default:
				return fmt.Errorf("invalid concurrency scope %q", c.Scope)
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
				return fmt.Errorf("invalid singleton mode %q", s.Mode)
			}
		}
	}
	return nil
}

// validateFunction returns every problem the server's per-function checks find.
func validateFunction(f wire.Function) []string {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	compile := func(what string, kind expr.Kind, src string) {
		if strings.TrimSpace(src) == "" {
			return
		}
		if _, err := compileExpr(kind, src); err != nil {
			add("%s: invalid expression %q: %v", what, src, err)
		}
	}
	if f.Name == "" {
		add("A function name is required")
	}
	if len(f.Steps) != 1 {
		add("Functions must contain one step")
	}
	for _, s := range f.Steps {
		if s.Name == "" {
			add("All steps must have a name")
		}
		if s.Runtime.URL == "" {
			add("No SDK URL provided for function")
			continue
		}
		u, err := url.Parse(s.Runtime.URL)
		if err != nil {
			add("invalid SDK URL: %v", err)
			continue
		}
		switch u.Scheme {
		case "http", "https", "ws", "wss":
		default:
			add("invalid SDK URL scheme %q", u.Scheme)
		}
	}
	if len(f.Triggers) > 10 {
		add("Functions may have at most 10 triggers")
	}
	seen := map[string]bool{}
	for _, t := range f.Triggers {
		switch {
		case t.Event != "" && t.Cron != "":
			add("A trigger must have either an event or a cron, not both")
		case t.Event == "" && t.Cron == "":
			add("A trigger must have an event or a cron")
		case t.Event != "":
			if len(t.Event) > 255 {
				add("Event names must be at most 255 characters")
			}
			compile("trigger expression", expr.Trigger, t.Expression)
		default:
			if len(t.Cron) > 255 {
				add("Cron expressions must be at most 255 characters")
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
			add("duplicate trigger")
		}
		seen[k] = true
	}
	// inngestgo's {fn:[…], step:[…]} form arrives flattened: at most one
	// fn-level limit plus two step limits.
	fnLimits := 0
	for _, c := range f.Concurrency {
		scope := strings.ToLower(c.Scope)
		if scope == "" || scope == "fn" {
			if c.Key == "" {
				fnLimits++
			}
		} else {
			if c.Key == "" {
				add("A concurrency key is required for the %q scope", c.Scope)
			}
		}
		compile("concurrency key", expr.Key, c.Key)
	}
	if fnLimits > 1 || len(f.Concurrency) > 3 {
		add("too many concurrency limits")
	}
	if b := f.BatchEvents; b != nil {
		if b.MaxSize < flow.MinBatchMaxSize {
			add("batchEvents.maxSize must be at least 2")
		}
		d, err := time.ParseDuration(b.Timeout)
		if err != nil {
			add("batchEvents.timeout %q: %v", b.Timeout, err)
		} else if d < flow.MinBatchTimeout {
			add("batchEvents.timeout must be at least 1s")
		}
		compile("batch key", expr.Key, b.Key)
		compile("batch if", expr.Trigger, b.If)
		if len(f.Cancel) > 0 || f.Debounce != nil || f.Singleton != nil || (f.Priority != nil && f.Priority.Run != "") {
			add("batching cannot be combined with cancel, debounce, singleton or priority (CodeComboUnsupported)")
		}
	}
	if len(f.Cancel) > 5 {
		add("Functions may have at most 5 cancellation events")
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
		case p < flow.MinDebouncePeriod || p > flow.MaxDebouncePeriod:
			add("debounce period must be between 1s and 7d")
		}
		if d.Timeout != "" {
			if _, err := timestr.Parse(d.Timeout); err != nil {
				add("debounce timeout %q: %v", d.Timeout, err)
			}
		}
	}
	if r := f.RateLimit; r != nil {
		if r.Limit <= 0 {
			add("rateLimit.limit must be greater than 0")
		}
		p, err := timestr.Parse(r.Period)
		switch {
		case r.Period == "" || err != nil:
			add("rateLimit.period %q is invalid", r.Period)
		case p > flow.MaxRateLimitPeriod:
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
