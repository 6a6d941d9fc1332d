package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2000)
	tests := []struct {
		name        string
		body        string
		size, limit int64
	}{
		{"known length", long, 2000, 4096},
		{"unknown length", long, -1, 4096},
		{"wrong length hint", long, 10, 4096},
		{"over the limit is cut", long, 2000, 1000},
		{"empty", "", 0, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, _ := io.ReadAll(io.LimitReader(strings.NewReader(tc.body), tc.limit))
			got, err := readBody(iotest.OneByteReader(strings.NewReader(tc.body)), tc.size, tc.limit)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
	boom := errors.New("boom")
	_, err := readBody(io.MultiReader(bytes.NewReader([]byte("ab")), iotest.ErrReader(boom)), 2, 10)
	require.ErrorIs(t, err, boom)
}
