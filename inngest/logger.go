package inngest

import (
	"context"
	"log/slog"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
)

// Logger returns a logger for code running in a function: it stays silent while the
// SDK replays memoized steps (so each line is logged once per run, not once per
// call) and attaches run_id, function_id and, inside a step, step_id. Outside a run
// it returns slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l := exec.LoggerFrom(ctx); l != nil {
		return l
	}
	return slog.Default()
}

// Replaying reports whether the function is replaying memoized steps: code with side
// effects outside steps can check it (prefer putting side effects in steps).
func Replaying(ctx context.Context) bool { return exec.Replaying(ctx) }
