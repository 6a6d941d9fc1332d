//go:build unix

package cputime_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/cputime"
)

func TestProcessGrowsWithWork(t *testing.T) {
	t.Parallel()
	before := cputime.Process()
	require.Positive(t, before)
	x := 0
	for i := range 50_000_000 {
		x ^= i * 31
	}
	_ = x
	require.Greater(t, cputime.Process(), before)
}
