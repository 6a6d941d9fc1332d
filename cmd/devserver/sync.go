package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
)

// syncBackoff is how --sync spaces its attempts: First after the first
// failure, doubled after each one up to Max; each attempt is bounded by
// Attempt.
type syncBackoff struct {
	First, Max, Attempt time.Duration
}

// defaultSyncBackoff retries after 0.5 s, 1 s, 2 s, ... then every 30 s.
var defaultSyncBackoff = syncBackoff{First: 500 * time.Millisecond, Max: 30 * time.Second, Attempt: 30 * time.Second}

// syncUntilAnswered asks the app at url to sync until it answers with a 2xx
// or ctx ends. Failures are logged on attempts 1, 2, 4, 8, ... so that an app
// that is down for an hour costs a handful of lines, not hundreds.
func syncUntilAnswered(ctx context.Context, eng *engine.Engine, url string, log *slog.Logger, b syncBackoff) bool {
	delay := b.First
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, b.Attempt)
		err := eng.Sync(actx, url)
		cancel()
		if err == nil {
			log.Info("synced app", "url", url, "attempts", attempt)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt&(attempt-1) == 0 {
			log.Warn("sync failed; retrying until the app answers", "url", url, "attempts", attempt, "next_in", delay, "err", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(delay*2, b.Max)
	}
}
