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

// TestTraceFlag runs the demo with --trace=memory: the functions are traced
// through the OpenTelemetry middleware and the span count is printed.
func TestTraceFlag(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"--exit-after-demo", "--trace", "memory", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &out)
	require.NoError(t, err, out.String())
	require.Regexp(t, `tracing: [1-9]\d* spans \([1-9]\d* calls, [1-9]\d* steps that ran\) in [1-9]\d* traces`, out.String())
	require.Error(t, run([]string{"--trace", "nope", "--data-dir", t.TempDir()}, &out))
}
