package flow

import "time"

// StartDeadline returns the time by which a run enqueued at enqueuedAt must
// have started under `timeouts.start`, or the zero time when start is zero
// or less (no deadline).
func StartDeadline(enqueuedAt time.Time, start time.Duration) time.Time {
	if start <= 0 {
		return time.Time{}
	}
	return enqueuedAt.Add(start)
}

// FinishDeadline returns the time by which a run that started at startedAt
// must have finished under `timeouts.finish`, or the zero time when finish
// is zero or less (no deadline).
func FinishDeadline(startedAt time.Time, finish time.Duration) time.Time {
	if finish <= 0 {
		return time.Time{}
	}
	return startedAt.Add(finish)
}

// PastDeadline reports whether deadline is set and now has reached it.
func PastDeadline(deadline, now time.Time) bool {
	return !deadline.IsZero() && !now.Before(deadline)
}
