package timestr_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/timestr"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d      time.Duration
		want   string
		wantGo string
	}{
		{0, "0s", "0s"},
		{time.Nanosecond, "1ns", "1ns"},
		{500 * time.Millisecond, "500ms", "500ms"},
		{1500 * time.Millisecond, "1s500ms", "1s500ms"},
		{30 * time.Second, "30s", "30s"},
		{time.Minute, "1m", "1m"},
		{90 * time.Minute, "1h30m", "1h30m"},
		{36 * time.Hour, "36h", "36h"},
		{48 * time.Hour, "2d", "48h"},
		{168 * time.Hour, "7d", "168h"},
		{time.Hour + time.Second + time.Microsecond, "1h1s1us", "1h1s1us"},
		{-2 * time.Second, "-2s", "-2s"},
		{-24 * time.Hour, "-1d", "-24h"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, timestr.Format(tt.d))
			require.Equal(t, tt.wantGo, timestr.FormatGo(tt.d))
			back, err := timestr.Parse(tt.want)
			require.NoError(t, err)
			require.Equal(t, tt.d, back)
			goBack, err := time.ParseDuration(tt.wantGo)
			require.NoError(t, err)
			require.Equal(t, tt.d, goBack)
		})
	}
}

func TestRoundTripExtremes(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1, -1, 366 * timestr.Day} {
		got, err := timestr.Parse(timestr.Format(d))
		require.NoError(t, err, timestr.Format(d))
		require.Equal(t, d, got)
		got, err = time.ParseDuration(timestr.FormatGo(d))
		require.NoError(t, err, timestr.FormatGo(d))
		require.Equal(t, d, got)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"30s", 30 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"1d2h", 26 * time.Hour},
		{"2w", 14 * timestr.Day},
		{"1h30m", 90 * time.Minute},
		{"1h30m0s", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{".5s", 500 * time.Millisecond},
		{"1.s", time.Second},
		{"10us", 10 * time.Microsecond},
		{"10µs", 10 * time.Microsecond},
		{"10μs", 10 * time.Microsecond},
		{"7ns", 7},
		{"-1m", -time.Minute},
		{"+1m", time.Minute},
		{"1d1d", 2 * timestr.Day},
		{"9223372036854775807ns", math.MaxInt64},
		{"-9223372036854775808ns", math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := timestr.Parse(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", "empty"},
		{"-", "no number"},
		{"5", "missing unit"},
		{"1h5", "missing unit"},
		{"s", "expected a number"},
		{"1y", `unknown unit "y"`},
		{"1 h", `unknown unit " h"`},
		{"1.2.3s", "missing unit"},
		{"9223372036854775808ns", "out of range"},
		{"99999999999999999999w", "out of range"},
		{"20000000w", "out of range"},
		{"1000000000000000000000000000000000000000000000000000000000000000000s", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := timestr.Parse(tt.in)
			require.ErrorContains(t, err, tt.wantErr)
			require.ErrorContains(t, err, "inngest: invalid time string")
		})
	}
}

// FuzzTimestrParse checks that Parse never panics and that whatever it
// accepts survives a Format round trip.
func FuzzTimestrParse(f *testing.F) {
	for _, s := range []string{"1d2h", "30s", "500ms", "2w", "1h30m", "1.5h", "-0", "0", "µs", "1.", ".", "9223372036854775807ns", "1e9s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := timestr.Parse(s)
		if err != nil {
			return
		}
		back, err := timestr.Parse(timestr.Format(d))
		require.NoError(t, err)
		require.Equal(t, d, back)
		goBack, err := time.ParseDuration(timestr.FormatGo(d))
		require.NoError(t, err)
		require.Equal(t, d, goBack)
	})
}

func ExampleFormat() {
	fmt.Println(timestr.Format(90 * time.Minute))
	fmt.Println(timestr.Format(7 * timestr.Day))
	fmt.Println(timestr.Format(1500 * time.Millisecond))
	fmt.Println(timestr.FormatGo(2 * timestr.Day))
	// Output:
	// 1h30m
	// 7d
	// 1s500ms
	// 48h
}

func ExampleParse() {
	d, err := timestr.Parse("1d2h")
	fmt.Println(d, err)
	_, err = timestr.Parse("3 days")
	fmt.Println(err)
	// Output:
	// 26h0m0s <nil>
	// inngest: invalid time string "3 days": unknown unit " days" (use ns, us, ms, s, m, h, d or w)
}
