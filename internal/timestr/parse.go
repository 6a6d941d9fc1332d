package timestr

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// MaxLen is the longest time string Parse accepts.
const MaxLen = 64

var units = map[string]uint64{
	"ns": uint64(time.Nanosecond),
	"us": uint64(time.Microsecond),
	"µs": uint64(time.Microsecond), // U+00B5 micro sign
	"μs": uint64(time.Microsecond), // U+03BC Greek mu
	"ms": uint64(time.Millisecond),
	"s":  uint64(time.Second),
	"m":  uint64(time.Minute),
	"h":  uint64(time.Hour),
	"d":  uint64(Day),
	"w":  uint64(Week),
}

var errOverflow = errors.New("out of range")

// Parse reads an Inngest time string such as "1d2h", "30s", "500ms",
// "2w" or "1h30m". Every string time.ParseDuration accepts is accepted
// too ("1.5h", "-2s", "0"). Units: ns, us (µs), ms, s, m, h, d, w. The
// error names the input: `inngest: invalid time string "…": <reason>`.
func Parse(s string) (time.Duration, error) {
	d, err := parse(s)
	if err != nil {
		return 0, &Error{Input: s, Reason: err}
	}
	return d, nil
}

// Error is the error Parse returns.
type Error struct {
	Input  string // the string given to Parse
	Reason error  // what is wrong with it
}

// Error implements error: `inngest: invalid time string "…": <reason>`.
func (e *Error) Error() string {
	shown := e.Input
	if len(shown) > MaxLen {
		shown = shown[:MaxLen] + "…"
	}
	return fmt.Sprintf("inngest: invalid time string %q: %v", shown, e.Reason)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Reason }

func parse(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	if len(s) > MaxLen {
		return 0, fmt.Errorf("longer than %d bytes", MaxLen)
	}
	orig := s
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, errors.New("no number")
	}
	var total uint64
	for s != "" {
		// Integer part.
		i := 0
		var whole uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if whole > (math.MaxUint64-9)/10 {
				return 0, errOverflow
			}
			whole = whole*10 + uint64(s[i]-'0')
			i++
		}
		intDigits := i
		// Fraction part, kept to the precision that can matter.
		var frac, scale uint64 = 0, 1
		fracDigits := 0
		if i < len(s) && s[i] == '.' {
			i++
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if scale < 1e18 {
					frac = frac*10 + uint64(s[i]-'0')
					scale *= 10
				}
				fracDigits++
				i++
			}
		}
		if intDigits == 0 && fracDigits == 0 {
			return 0, fmt.Errorf("expected a number at %q", s)
		}
		s = s[i:]
		// Unit.
		j := 0
		for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
			j++
		}
		if j == 0 {
			return 0, fmt.Errorf("missing unit after number in %q", orig)
		}
		unit, ok := units[s[:j]]
		if !ok {
			return 0, fmt.Errorf("unknown unit %q (use ns, us, ms, s, m, h, d or w)", s[:j])
		}
		s = s[j:]
		if whole > math.MaxUint64/unit {
			return 0, errOverflow
		}
		v := whole * unit
		if frac > 0 {
			var f uint64
			if frac <= math.MaxUint64/unit {
				f = frac * unit / scale
			} else {
				f = uint64(float64(frac) * (float64(unit) / float64(scale)))
			}
			if v > math.MaxUint64-f {
				return 0, errOverflow
			}
			v += f
		}
		total += v
		if total < v || total > 1<<63 {
			return 0, errOverflow
		}
	}
	if total == 1<<63 {
		if neg {
			return math.MinInt64, nil
		}
		return 0, errOverflow
	}
	if neg {
		return -time.Duration(total), nil
	}
	return time.Duration(total), nil
}
