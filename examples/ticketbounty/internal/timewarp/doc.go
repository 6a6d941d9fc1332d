// Package timewarp provides an engine clock that follows the wall clock but
// can be fast-forwarded, so the demo can show a 30-second sleep, a 24-hour
// reminder or a 7-day timeout passing in an instant while everything else
// runs in real time.
package timewarp
