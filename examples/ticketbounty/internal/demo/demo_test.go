package demo_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/app"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/demo"
	"github.com/seed-b02f2472/inngest-go/examples/ticketbounty/internal/timewarp"
)

// TestDemo runs README command 1's demo end to end: real HTTP, the embedded
// engine on a fast-forwardable clock, a real SQLite file.
func TestDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &timewarp.Clock{}
	rt, err := app.Start(ctx, app.RuntimeOptions{Engine: engine.Options{Clock: clock}, Config: app.Config{DataDir: t.TempDir()}})
	require.NoError(t, err)
	defer func() { require.NoError(t, rt.Close(context.Background())) }()
	p := demo.NewPrinter(os.Stdout)
	go demo.Watch(ctx, rt.Engine, rt.Client.AppID(), p)
	res, err := demo.Run(ctx, demo.Options{Runtime: rt, Clock: clock, Printer: p})
	require.NoError(t, err)
	if !res.OK() {
		for _, r := range rt.Engine.Runs() {
			if !r.Status.Done() {
				t.Logf("run %s %s %s calls=%d", r.ID, r.FunctionID, r.Status, r.Calls)
				for _, h := range r.History {
					t.Logf("   %s %s %s %d %s", h.Time.Format("15:04:05.000"), h.Kind, h.StepID, h.Status, h.Detail)
				}
			}
		}
	}
	require.True(t, res.OK(), res.Line())
}
