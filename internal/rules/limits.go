package rules

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
)

// Limits of a function definition, as pkg/consts of the server defines them.
const (
	// DefaultRetries is the number of retries of a step when none is given
	// (consts.DefaultRetryCount): five attempts.
	DefaultRetries = 4
	// MaxRetries is the most retries a step gets; more are capped, not refused
	// (consts.MaxRetries).
	MaxRetries = 20
	// MaxTriggers is the most triggers a function may have (consts.MaxTriggers).
	MaxTriggers = 10
	// MaxEventNameLen is the longest event name a trigger may name, in bytes:
	// events.MaxNameLength, which events.Define enforces already (the public
	// leaf package holds the number so that it imports nothing of this one).
	MaxEventNameLen = events.MaxNameLength
	// MaxCronLen is the longest cron expression a trigger may hold, in bytes
	// (cronexpr.MaxLen, which the cron parser enforces too).
	MaxCronLen = cronexpr.MaxLen
	// MaxCancellations is the most cancel rules a function may have
	// (consts.MaxCancellations).
	MaxCancellations = 5
	// MaxStepConcurrency is the most step-level concurrency limits
	// (consts.MaxConcurrencyLimits); a legacy array holds only these.
	MaxStepConcurrency = 2
	// MaxFnConcurrency is the most function-level limits of the
	// {fn:[…], step:[…]} form ("Only one function concurrency limit is allowed").
	MaxFnConcurrency = 1
	// MinBatchMaxSize is the smallest batchEvents.maxSize.
	MinBatchMaxSize = 2
	// MinBatchTimeout is the shortest batchEvents.timeout.
	MinBatchTimeout = time.Second
	// MinDebouncePeriod is the shortest debounce period (consts.MinDebouncePeriod).
	MinDebouncePeriod = time.Second
	// MaxDebouncePeriod is the longest debounce period (consts.MaxDebouncePeriod).
	MaxDebouncePeriod = 7 * 24 * time.Hour
	// MaxRateLimitPeriod is the longest rate-limit period.
	MaxRateLimitPeriod = 24 * time.Hour
	// MaxSleep is the furthest a step may sleep (consts.MaxSleepDuration):
	// 366 days, so that a year over a leap day still fits.
	MaxSleep = 366 * 24 * time.Hour
	// MaxWait is the longest wait for an event or a signal
	// (consts.MaxWaitForEventTimeout).
	MaxWait = 366 * 24 * time.Hour
)
