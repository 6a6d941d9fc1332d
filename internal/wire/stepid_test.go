package wire

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHashID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		n    int
		want string
	}{
		// PROTOCOL §5.1.
		{"my-step-id", 0, "e7d8a2f140845095749d60246ff1110c9d01d76a"},
		{"my-step-id", 1, "f47c6228c581af870aa285200cf95ec3ac59bb6a"},
		{"my-step-id", 2, "5fdb32cd3e6e3d62fa480ac2ad526b79c2682845"},
		// wire/loop-ids.jsonl #4-#6.
		{"item", 0, "3a7d9767b1233601ebf8b67495c6dc2ce8b8c2af"},
		{"item", 1, "c1606908a12ad4caef5f90e9fcfe3b4d1253a1a8"},
		{"item", 2, "a9a4b86963ddfe833f1f97110c8a7a34f394a9ec"},
		// wire README: sha1("A").
		{"A", 0, "6dcd4ce23d88e2ee9568ba546c007c63d9131c1b"},
		{"", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, HashID(tc.id, tc.n))
		})
	}
}

func TestHashIDLongAndSuffix(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	require.Equal(t, HashID(long+":7", 0), HashID(long, 7))
	require.Equal(t, HashID("a:-1", 0), HashID("a", -1))
	require.Len(t, HashID(long, 0), 40)
}

func BenchmarkHashID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = HashID("fetch-user-profile", 3)
	}
}
