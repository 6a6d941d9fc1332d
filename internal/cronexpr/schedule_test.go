package cronexpr_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/cronexpr"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		zone string
	}{
		{"* * * * *", "UTC"},
		{"*/5 * * * *", "UTC"},
		{"0 9 * * 1-5", "UTC"},
		{"0,30 8-18/2 1,15 jan-jun MON-FRI", "UTC"},
		{"0 0 1 * *", "UTC"},
		{"  0 0 1 * *  ", "UTC"},
		{"TZ=Europe/Paris 0 12 * * 5", "Europe/Paris"},
		{"CRON_TZ=America/New_York 30 6 * * *", "America/New_York"},
		{"TZ=UTC 0 0 * * 0", "UTC"},
		{"0 0 30 2 *", "UTC"}, // valid syntax, never fires
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			s, err := cronexpr.Parse(tt.spec)
			require.NoError(t, err)
			require.NoError(t, cronexpr.Check(tt.spec))
			require.Equal(t, tt.spec, s.String())
			require.Equal(t, tt.zone, s.Location().String())
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	long := "TZ=UTC 0 0 * * *"
	for len(long) <= cronexpr.MaxLen {
		long += " "
	}
	tests := []struct {
		spec    string
		wantErr string
	}{
		{"", "empty spec"},
		{"* * * *", "expected exactly 5 fields"},
		{"0 * * * * *", "expected exactly 5 fields"},
		{"0 0 0 * * * *", "expected exactly 5 fields"},
		{"@daily", "descriptors"},
		{"@every 1h", "descriptors"},
		{"TZ=Europe/Paris @daily", "descriptors"},
		{"60 * * * *", "above maximum"},
		{"* 24 * * *", "above maximum"},
		{"* * 0 * *", "below minimum"},
		{"* * * 13 *", "above maximum"},
		{"* * * * 7", "above maximum"},
		{"* * * foo *", "failed to parse"},
		{"*/0 * * * *", "step"},
		{"5-1 * * * *", "beyond end"},
		{"TZ=Mars/Olympus 0 0 * * *", `unknown time zone "Mars/Olympus"`},
		{"TZ=Europe/Paris", "followed by a space"},
		{"TZ= 0 0 * * *", "empty time zone"},
		{"CRON_TZ=Local 0 0 * * *", "not an IANA zone"},
		{"TZ=../../etc/passwd 0 0 * * *", "unknown time zone"},
		{long, "longer than 255"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			_, err := cronexpr.Parse(tt.spec)
			require.ErrorContains(t, err, "inngest: invalid cron ")
			require.ErrorContains(t, err, tt.wantErr)
			require.Error(t, cronexpr.Check(tt.spec))
		})
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	tests := []struct {
		name  string
		spec  string
		after time.Time
		want  []time.Time
	}{
		{
			name:  "utc by default",
			spec:  "*/15 * * * *",
			after: time.Date(2026, 1, 1, 10, 7, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 1, 1, 10, 15, 0, 0, time.UTC),
				time.Date(2026, 1, 1, 10, 30, 0, 0, time.UTC),
			},
		},
		{
			name: "paris daily 9:00 across spring forward",
			spec: "TZ=Europe/Paris 0 9 * * *",
			// 29 March 2026: clocks go from 02:00 CET to 03:00 CEST.
			after: time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC), // 09:00 CEST (+2)
				time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC),
			},
		},
		{
			name:  "paris daily 9:00 across fall back",
			spec:  "CRON_TZ=Europe/Paris 0 9 * * *",
			after: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), // 09:00 CET (+1)
				time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "paris 02:30 skipped on spring-forward day",
			spec: "TZ=Europe/Paris 30 2 * * *",
			// 02:30 does not exist on 29 March, so that day has no
			// activation (robfig/cron, as the server schedules it).
			after: time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC),
				time.Date(2026, 3, 31, 0, 30, 0, 0, time.UTC),
			},
		},
		{
			name:  "hourly across fall back fires in each real hour",
			spec:  "TZ=Europe/Paris 0 * * * *",
			after: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // 02:30 CEST
			want: []time.Time{
				time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), // 02:00 CET
				time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), // 03:00 CET
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := cronexpr.Parse(tt.spec)
			require.NoError(t, err)
			at := tt.after
			for _, want := range tt.want {
				at = s.Next(at)
				require.True(t, want.Equal(at), "want %s, got %s", want, at)
				require.Equal(t, time.UTC, at.Location(), "Next keeps the location of its argument")
				if s.Location().String() == "Europe/Paris" {
					require.Zero(t, at.In(paris).Minute()%15)
				}
			}
		})
	}
}

func TestNextNever(t *testing.T) {
	t.Parallel()
	s, err := cronexpr.Parse("0 0 30 2 *")
	require.NoError(t, err)
	require.True(t, s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero())
}

func TestParseJitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"", 0, ""},
		{"0", 0, ""},
		{"0s", 0, ""},
		{"1s", time.Second, ""},
		{"30s", 30 * time.Second, ""},
		{"5m", 5 * time.Minute, ""},
		{"500ms", 0, "between 1s and 5m"},
		{"5m1s", 0, "between 1s and 5m"},
		{"1h", 0, "between 1s and 5m"},
		{"-1s", 0, "between 1s and 5m"},
		{"soon", 0, `inngest: invalid cron jitter "soon": expected a number`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := cronexpr.ParseJitter(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func FuzzCronParse(f *testing.F) {
	for _, s := range []string{
		"* * * * *", "*/5 * * * *", "TZ=Europe/Paris 0 9 * * 1-5", "CRON_TZ=UTC 0 0 1 * *",
		"@daily", "TZ=", "TZ=x", "0 0 30 2 *", "1-5/2,7 */3 ? jan-dec SUN", "0-", "-", "*/", "1-2-3 * * * *",
	} {
		f.Add(s)
	}
	from := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := cronexpr.Parse(spec)
		if err != nil {
			return
		}
		require.Equal(t, spec, s.String())
		next := s.Next(from)
		require.True(t, next.IsZero() || next.After(from))
	})
}

func ExampleParse() {
	s, err := cronexpr.Parse("TZ=Europe/Paris 0 9 * * 1-5")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Friday 27 March 2026, 10:00 UTC → next weekday 09:00 in Paris.
	next := s.Next(time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC))
	fmt.Println(next.In(s.Location()).Format(time.RFC3339))
	// Output: 2026-03-30T09:00:00+02:00
}

func ExampleCheck() {
	fmt.Println(cronexpr.Check("0 12 * * 5"))
	fmt.Println(cronexpr.Check("@daily"))
	// Output:
	// <nil>
	// inngest: invalid cron "@daily": descriptors such as @daily are not accepted; use 5 fields, e.g. "0 0 * * *"
}
