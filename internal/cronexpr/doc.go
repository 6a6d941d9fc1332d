// Package cronexpr parses and schedules Inngest cron triggers.
//
// An Inngest cron has exactly five fields (minute, hour, day of month,
// month, day of week) with ranges, lists, steps and month/day names,
// optionally preceded by "TZ=<IANA zone> " or "CRON_TZ=<IANA zone> ".
// Descriptors such as "@daily" are rejected, as the server rejects them
// at registration. Parsing and scheduling use github.com/robfig/cron/v3,
// the parser the server uses.
//
// The same checks serve the SDK (so a typo fails when a function is
// defined) and the embedded engine (to compute the next tick).
package cronexpr
