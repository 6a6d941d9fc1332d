// Package timestr reads and writes Inngest time strings.
//
// Inngest options such as sleep durations, wait and cancel timeouts,
// throttle and rate-limit periods and cron jitter are sent as compact
// duration strings like "30s", "1h30m" or "7d". The server accepts the
// units of Go's time.ParseDuration plus "d" (24 hours) and "w" (7 days),
// except for batchEvents.timeout, which it reads with time.ParseDuration
// and which therefore needs FormatGo.
package timestr
