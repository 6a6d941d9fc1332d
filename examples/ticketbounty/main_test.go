package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExitAfterDemo is README command 1 with --exit-after-demo, as CI runs it.
func TestExitAfterDemo(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"--exit-after-demo", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &out)
	require.NoError(t, err, out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Equal(t, "demo: 12/12 workflows behaved as expected", lines[len(lines)-1])
}
