package exec

import (
	"context"
	"log/slog"
)

// Logger returns the run's replay-aware logger: records are dropped while memoized
// steps are being replayed, and every record carries run_id and function_id.
func (r *Run) Logger() *slog.Logger {
	if l := r.logger.Load(); l != nil {
		return l
	}
	base := r.call.Logger
	if base == nil {
		base = slog.Default()
	}
	l := slog.New(&replayHandler{next: base.Handler(), run: r}).With(
		"run_id", r.call.Req.Ctx.RunID, "function_id", r.call.Fn.Config.ID)
	r.logger.CompareAndSwap(nil, l)
	return r.logger.Load()
}

// LoggerFrom returns the replay-aware logger for ctx, or nil outside a run.
func LoggerFrom(ctx context.Context) *slog.Logger {
	f := frameFrom(ctx)
	if f == nil {
		return nil
	}
	if f.stepID != "" {
		return f.run.Logger().With("step_id", f.stepID)
	}
	return f.run.Logger()
}

// Replaying reports whether the run that owns ctx is still replaying memoized steps.
func Replaying(ctx context.Context) bool {
	f := frameFrom(ctx)
	return f != nil && f.run.replaying.Load()
}

type replayHandler struct {
	next slog.Handler
	run  *Run
}

func (h *replayHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if h.run.replaying.Load() {
		return false
	}
	return h.next.Enabled(ctx, l)
}

func (h *replayHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.run.replaying.Load() {
		return nil
	}
	return h.next.Handle(ctx, rec)
}

func (h *replayHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &replayHandler{next: h.next.WithAttrs(attrs), run: h.run}
}

func (h *replayHandler) WithGroup(name string) slog.Handler {
	return &replayHandler{next: h.next.WithGroup(name), run: h.run}
}
