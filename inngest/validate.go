package inngest

import (
	"fmt"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/rules"
	"github.com/seed-b02f2472/inngest-go/internal/timestr"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// buildConfig translates opts into the registration entry (without the
// runtime URL) and validates it with the server's rules (internal/rules, the
// copy the embedded engine applies at sync, §10). The checks made here before
// the translation are the SDK's own, each saying why it differs.
func buildConfig(c *Client, opts FunctionOpts, triggers []wire.Trigger, invokeOnly bool) (wire.Function, error) {
	fail := func(format string, args ...any) (wire.Function, error) {
		return wire.Function{}, fmt.Errorf("%w %q: %s", ErrInvalidFunction, opts.ID, fmt.Sprintf(format, args...))
	}
	// The server slugifies whatever it gets; the SDK wants an ID the user
	// chose on purpose, since it ends up in URLs and the composite ID.
	if !slugOK(opts.ID) {
		return fail("ID must be a slug of lower-case letters, digits, '-' or '_' (for example \"send-welcome-email\")")
	}
	name := opts.Name
	if strings.TrimSpace(name) == "" {
		name = opts.ID
	}
	fn := wire.Function{ID: c.cfg.AppID + "-" + opts.ID, Name: name}
	// The server reads no trigger as invoke-only; the SDK asks for
	// InvokeOnly, so that a forgotten trigger is not silently invoke-only.
	if len(triggers) == 0 && !invokeOnly {
		return fail("a function needs at least one trigger (or inngest.InvokeOnly)")
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

	for _, cc := range opts.Concurrency {
		// The server checks the limit of a function-level entry only; here
		// every limit must be positive, since 0 would limit nothing.
		if cc.Limit <= 0 {
			return fail("concurrency limit must be > 0")
		}
		scope := cc.Scope
		if scope == "" {
			scope = ScopeFunction
		}
		fn.Concurrency = append(fn.Concurrency, wire.Concurrency{Limit: cc.Limit, Key: cc.Key, Scope: string(scope)})
	}
	if rc := opts.RunConcurrency; rc != nil {
		// Checked by the shared rules (limit > 0, the key compiles).
		fn.Concurrency = append(fn.Concurrency, wire.Concurrency{Limit: rc.Limit, Key: rc.Key, FnLevel: true})
	}
	if t := opts.Throttle; t != nil {
		// The server does not check throttle ranges at sync; a zero period or
		// a negative count is a mistake in a typed option, refused here.
		if t.Period <= 0 {
			return fail("throttle needs a Period")
		}
		if t.Limit < 0 || t.Burst < 0 {
			return fail("throttle limit and burst cannot be negative")
		}
		limit := t.Limit
		if limit == 0 {
			limit = 1
		}
		fn.Throttle = &wire.Throttle{Limit: limit, Period: timestr.Format(t.Period), Burst: t.Burst, Key: t.Key}
	}
	if r := opts.RateLimit; r != nil {
		// The server accepts a "0s" period; a zero Duration is a forgotten
		// field, refused here.
		if r.Period <= 0 {
			return fail("rate limit period must be > 0 and at most 24h")
		}
		fn.RateLimit = &wire.RateLimit{Limit: r.Limit, Period: timestr.Format(r.Period), Key: r.Key}
	}
	if d := opts.Debounce; d != nil {
		// A negative Duration has no time-string form; the server never sees one.
		if d.Timeout < 0 {
			return fail("debounce timeout cannot be negative")
		}
		fn.Debounce = &wire.Debounce{Period: timestr.Format(d.Period), Key: d.Key}
		if d.Timeout > 0 {
			fn.Debounce.Timeout = timestr.Format(d.Timeout)
		}
	}
	if b := opts.BatchEvents; b != nil {
		fn.BatchEvents = &wire.BatchEvents{MaxSize: b.MaxSize, Timeout: timestr.FormatGo(b.Timeout), Key: b.Key, If: b.If}
	}
	if p := opts.Priority; p != nil && p.Run != "" {
		fn.Priority = &wire.Priority{Run: p.Run}
	}
	fn.Idempotency = opts.Idempotency
	for _, co := range opts.CancelOn {
		// An empty event name is refused by the shared rules too; a nil
		// Event has no name to send.
		if co.Event == nil {
			return fail("CancelOn needs an Event")
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
		fn.Singleton = &wire.Singleton{Key: s.Key, Mode: string(mode)}
	}
	if err := rules.Decode(fn); err != nil {
		return fail("%v", err)
	}
	if problems := rules.Config(fn); len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	return fn, nil
}
