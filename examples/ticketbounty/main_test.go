package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExitAfterDemo is README command 1 with --exit-after-demo, as CI runs
// it: the four flows complete, their progress is printed as it happens, and
// the verdict is the last line.
func TestExitAfterDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run([]string{"--exit-after-demo", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &out)
	require.NoError(t, err, out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Equal(t, "demo: 4/4 flows completed", lines[len(lines)-1])
	for _, want := range []string{
		"started by app/auth.user-signed-up",
		"step wait-for-triage: sleeping 30s",
		"⏩ fast-forward 30s (the triage sleep)",
		`the stream showed: stage "assigned"`,
		"after the 30s sleep; the stage stream showed it",
		"step charge-card failed, retry 1 in",
		"2 requests → 1 run; 2 provider attempts → 1 charge of $50.00",
		"paid €46.00 at USD→EUR 0.92, approved by ada@ticketbounty.test",
	} {
		require.Contains(t, out.String(), want)
	}
}

// TestTraceFlag runs the demo with --trace=memory: the functions are traced
// through the OpenTelemetry middleware and the span count is printed.
func TestTraceFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run([]string{"--exit-after-demo", "--trace", "memory", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &out)
	require.NoError(t, err, out.String())
	require.Regexp(t, `tracing: [1-9]\d* spans \([1-9]\d* calls, [1-9]\d* steps that ran\) in [1-9]\d* traces`, out.String())
	require.Error(t, run([]string{"--trace", "nope", "--data-dir", t.TempDir()}, &out))
}

// TestExitAfterDemoOverConnect is the demo with --connect: the functions run
// on a Connect worker connected to the embedded engine's gateway, every call
// of every flow goes over its WebSocket, and the four flows complete.
func TestExitAfterDemoOverConnect(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run([]string{"--exit-after-demo", "--connect", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &out)
	require.NoError(t, err, out.String())
	require.Contains(t, out.String(), "\ndemo: 4/4 flows completed\n")
	m := regexp.MustCompile(`calls over Connect: (\d+) of (\d+)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	require.Equal(t, m[2], m[1], "every call went over Connect")
	require.NotEqual(t, "0", m[1])
	for _, want := range []string{
		"Connect worker on the embedded engine's gateway",
		"step charge-card failed, retry 1 in",
		"paid €46.00 at USD→EUR 0.92, approved by ada@ticketbounty.test",
	} {
		require.Contains(t, out.String(), want)
	}
}
