package cronexpr

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// MaxLen is the longest cron spec the server accepts, in bytes.
const MaxLen = 255

// fiveFields parses minute, hour, day of month, month and day of week,
// with no seconds field and no descriptors.
var fiveFields = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Schedule is a parsed Inngest cron spec. It is immutable and safe for
// concurrent use.
type Schedule struct {
	spec  string
	loc   *time.Location
	sched cron.Schedule
}

// Parse parses an Inngest cron spec such as "*/5 * * * *" or
// "TZ=Europe/Paris 0 9 * * 1-5". Without a zone prefix the schedule runs
// in UTC. Errors read `inngest: invalid cron "…": <reason>`.
func Parse(spec string) (s *Schedule, err error) {
	defer func() {
		// The underlying parser is not ours; never let it crash a caller.
		if r := recover(); r != nil {
			s, err = nil, invalid(spec, fmt.Errorf("parser failure: %v", r))
		}
	}()
	if spec == "" {
		return nil, invalid(spec, errors.New("empty spec"))
	}
	if len(spec) > MaxLen {
		return nil, invalid(spec, fmt.Errorf("longer than %d characters", MaxLen))
	}
	loc, rest, err := splitZone(spec)
	if err != nil {
		return nil, invalid(spec, err)
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "@") {
		return nil, invalid(spec, errors.New("descriptors such as @daily are not accepted; use 5 fields, e.g. \"0 0 * * *\""))
	}
	if n := len(strings.Fields(rest)); n != 5 {
		return nil, invalid(spec, fmt.Errorf("expected exactly 5 fields (minute hour day-of-month month day-of-week), found %d", n))
	}
	sched, err := fiveFields.Parse(rest)
	if err != nil {
		return nil, invalid(spec, err)
	}
	if ss, ok := sched.(*cron.SpecSchedule); ok {
		ss.Location = loc
	}
	return &Schedule{spec: spec, loc: loc, sched: sched}, nil
}

// Check reports whether spec is a valid Inngest cron, with the same
// error Parse would return.
func Check(spec string) error {
	_, err := Parse(spec)
	return err
}

// splitZone removes a "TZ=<zone> " or "CRON_TZ=<zone> " prefix and loads
// the zone; without a prefix the zone is UTC.
func splitZone(spec string) (*time.Location, string, error) {
	var rest string
	switch {
	case strings.HasPrefix(spec, "TZ="):
		rest = spec[len("TZ="):]
	case strings.HasPrefix(spec, "CRON_TZ="):
		rest = spec[len("CRON_TZ="):]
	default:
		return time.UTC, spec, nil
	}
	name, fields, ok := strings.Cut(rest, " ")
	if !ok {
		return nil, "", errors.New("time zone prefix must be followed by a space and 5 fields")
	}
	if name == "" {
		return nil, "", errors.New("empty time zone name")
	}
	if name == "Local" {
		return nil, "", errors.New(`time zone "Local" is not an IANA zone name`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, "", fmt.Errorf("unknown time zone %q", name)
	}
	return loc, fields, nil
}

func invalid(spec string, err error) error {
	shown := spec
	if len(shown) > MaxLen {
		shown = shown[:MaxLen] + "…"
	}
	return fmt.Errorf("inngest: invalid cron %q: %w", shown, err)
}

// Next returns the first activation strictly after the given time,
// computed in the schedule's location and returned in the location of
// after (use In(s.Location()) to display it in the schedule's). It returns the zero time if the spec never
// fires within five years (e.g. "0 0 30 2 *").
func (s *Schedule) Next(after time.Time) time.Time {
	return s.sched.Next(after)
}

// String returns the spec as given to Parse.
func (s *Schedule) String() string {
	return s.spec
}

// Location returns the zone of the schedule: the TZ= or CRON_TZ= zone,
// or UTC.
func (s *Schedule) Location() *time.Location {
	return s.loc
}
