package cronexpr

import (
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/timestr"
)

// Jitter bounds for a cron trigger: zero, or between MinJitter and
// MaxJitter inclusive.
const (
	MinJitter = time.Second
	MaxJitter = 5 * time.Minute
)

// ParseJitter validates the time string of a cron trigger's "jitter"
// option and returns its duration. An empty string means no jitter.
// Accepted values are 0 or 1s..5m.
func ParseJitter(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := timestr.Parse(s)
	if err != nil {
		var te *timestr.Error
		if errors.As(err, &te) {
			err = te.Reason
		}
		return 0, fmt.Errorf("inngest: invalid cron jitter %q: %w", s, err)
	}
	if err := CheckJitter(d); err != nil {
		return 0, err
	}
	return d, nil
}

// CheckJitter validates a jitter duration: 0 or 1s..5m.
func CheckJitter(d time.Duration) error {
	if d != 0 && (d < MinJitter || d > MaxJitter) {
		return fmt.Errorf("inngest: invalid cron jitter %q: must be 0 or between 1s and 5m", timestr.Format(d))
	}
	return nil
}
