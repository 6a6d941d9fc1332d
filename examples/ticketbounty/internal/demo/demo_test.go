package demo_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/demo"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/timewarp"
)

// TestDemo runs the demo of README command 1 end to end: real HTTP, the
// embedded engine on a fast-forwardable clock, a real SQLite file.
func TestDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &timewarp.Clock{}
	quiet := slog.New(slog.DiscardHandler)
	rt, err := app.Start(ctx, app.RuntimeOptions{
		Engine: engine.Options{Clock: clock, Logger: quiet},
		Config: app.Config{DataDir: t.TempDir(), Logger: quiet, EmailLatency: 20e6},
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, rt.Close(context.Background())) }()
	var out bytes.Buffer
	p := demo.NewPrinter(&out)
	watchCtx, stopWatch := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		demo.Watch(watchCtx, rt.Engine, rt.Client.AppID(), p)
	}()
	res, err := demo.Run(ctx, demo.Options{Runtime: rt, Clock: clock, Printer: p})
	stopWatch()
	<-done
	require.NoError(t, err)
	require.True(t, res.OK(), "%s\n%s", res.Line(), out.String())
	require.Equal(t, 12, res.Total())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Equal(t, "demo: 12/12 workflows behaved as expected", lines[len(lines)-1])
	for _, want := range []string{"started by app/auth.user-signed-up", "step wait-for-triage: sleeping 30s", "failed, retry 1 in", "⏩ fast-forward 7 days"} {
		require.Contains(t, out.String(), want)
	}
}
