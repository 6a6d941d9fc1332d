package timestr

import (
	"strconv"
	"strings"
	"time"
)

// Day is the length of the "d" unit of an Inngest time string.
const Day = 24 * time.Hour

// Week is the length of the "w" unit of an Inngest time string.
const Week = 7 * Day

// Format renders d the way the Inngest server reads it, using whole
// units only: "30s", "1h30m", "1s500ms", "7d". The "d" unit is used only
// when d is an exact number of days (48h → "2d", 36h → "36h"); "w" is
// never emitted. Zero renders as "0s"; negative durations get a leading
// "-". Parse(Format(d)) == d for every d.
func Format(d time.Duration) string {
	return format(d, true)
}

// FormatGo renders d like Format but without the "d" and "w" units, so
// that time.ParseDuration accepts it (the server parses
// batchEvents.timeout that way): 48h → "48h", 90m → "1h30m".
func FormatGo(d time.Duration) string {
	return format(d, false)
}

// unitSteps lists the units Format may emit, largest first.
var unitSteps = []struct {
	name string
	size time.Duration
}{
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
	{"us", time.Microsecond},
	{"ns", time.Nanosecond},
}

func format(d time.Duration, days bool) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	// Work on the magnitude as uint64 so that math.MinInt64 is safe.
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = -u
	}
	if days && u%uint64(Day) == 0 {
		b.WriteString(strconv.FormatUint(u/uint64(Day), 10))
		b.WriteByte('d')
		return b.String()
	}
	for _, s := range unitSteps {
		size := uint64(s.size)
		if n := u / size; n > 0 {
			b.WriteString(strconv.FormatUint(n, 10))
			b.WriteString(s.name)
			u -= n * size
		}
	}
	return b.String()
}
