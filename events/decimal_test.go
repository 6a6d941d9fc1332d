package events

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecimalCompare(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want int
	}{
		{"0", "-0", 0}, {"0", "0.000e5", 0}, {"1", "1.0", 0}, {"1", "1e0", 0}, {"10", "1e1", 0}, {"100", "1E+2", 0},
		{"0.5", "5e-1", 0}, {"-2.50", "-25e-1", 0}, {"007", "7", 0},
		{"1e-400", "0", 1}, {"-1e-400", "0", -1}, {"1e400", "1e399", 1}, {"-1e400", "-1e399", -1},
		{"9007199254740993", "9007199254740992", 1}, {"0.1", "0.10000000000000001", -1},
		{"1.5", "2", -1}, {"-1.5", "-2", 1}, {"12", "123", -1}, {"0.12", "0.123", -1}, {"99", "100", -1},
		{"1e99999999999999999999", "1e400", 1},
	}
	for _, tc := range cases {
		a, b := parseDecimal(tc.a), parseDecimal(tc.b)
		require.Equal(t, tc.want, a.cmp(b), "%s vs %s", tc.a, tc.b)
		require.Equal(t, -tc.want, b.cmp(a), "%s vs %s", tc.b, tc.a)
		require.Equal(t, tc.want == 0, a.key() == b.key(), "keys %s %s", a.key(), b.key())
	}
}
