package main

import (
	"context"
	"errors"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

var noRetryEvent = events.Define[caseData]("wirecheck/noretry.started")

// noRetryFunctions are the final failures of the noretry case: a NoRetry
// error and a RetryAfter error on its last attempt (Retries: 1), each from a
// step and from the function itself.
var noRetryFunctions = []struct {
	id      string
	retries int
	inStep  bool
	err     func() error
}{
	{"step-noretry", 0, true, func() error { return inngest.NoRetry(errors.New("card declined")) }},
	{"fn-noretry", 0, false, func() error { return inngest.NoRetry(errors.New("card declined")) }},
	{"step-retry-after", 1, true, func() error { return inngest.RetryAfter(errors.New("rate limited"), 3*time.Second) }},
	{"fn-retry-after", 1, false, func() error { return inngest.RetryAfter(errors.New("rate limited"), 3*time.Second) }},
}

func recordNoRetry(e env) (any, error) {
	recs, err := runFunctions(e, "wirecheck-noretry", noRetryEvent, 10*time.Second, func(c *inngest.Client) ([]inngest.ServableFunction, []string, error) {
		var fns []inngest.ServableFunction
		var ids []string
		for _, f := range noRetryFunctions {
			f := f
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: f.id, Retries: f.retries, Checkpoint: inngest.CheckpointOptions{Disabled: true}},
				inngest.OnEvent(noRetryEvent),
				func(ctx context.Context, in inngest.Input[caseData]) (string, error) {
					if !f.inStep {
						return "", f.err()
					}
					return step.Run(ctx, "charge", func(ctx context.Context) (string, error) { return "", f.err() })
				})
			if err != nil {
				return nil, nil, err
			}
			fns, ids = append(fns, fn), append(ids, f.id)
		}
		return fns, ids, nil
	})
	if err != nil {
		return nil, err
	}
	return CaseRecording{About: "final failures: a NoRetry error, and a RetryAfter(3s) error on the last attempt of Retries: 1, from a step and from the function; checkpointing off",
		Server: "inngest dev " + e.commit, Functions: recs}, nil
}
