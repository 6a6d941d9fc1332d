package main

import (
	"context"
	"strings"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

var stepIDsEvent = events.Define[caseData]("wirecheck/stepids.started")

// stepIDFunctions are the step names each function of the stepids case runs
// in order; each step returns its position and name ("0:charge").
var stepIDFunctions = []struct {
	id         string
	names      []string
	checkpoint inngest.CheckpointOptions
}{
	{"repeat-then-literal", []string{"charge", "charge", "charge:1"}, inngest.CheckpointOptions{Disabled: true}},
	{"literal-then-repeat", []string{"charge", "charge:1", "charge"}, inngest.CheckpointOptions{Disabled: true}},
	{"repeat-then-literal-checkpointed", []string{"charge", "charge", "charge:1"}, inngest.CheckpointOptions{}},
}

func recordStepIDs(e env) (any, error) {
	recs, err := runFunctions(e, "wirecheck-stepids", stepIDsEvent, 3e9, func(c *inngest.Client) ([]inngest.ServableFunction, []string, error) {
		var fns []inngest.ServableFunction
		var ids []string
		for _, f := range stepIDFunctions {
			names := f.names
			fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: f.id, Checkpoint: f.checkpoint}, inngest.OnEvent(stepIDsEvent),
				func(ctx context.Context, in inngest.Input[caseData]) (string, error) {
					var got []string
					for i, name := range names {
						v, err := step.Run(ctx, name, func(ctx context.Context) (string, error) {
							return string(rune('0'+i)) + ":" + name, nil
						})
						if err != nil {
							return "", err
						}
						got = append(got, v)
					}
					return strings.Join(got, " "), nil
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
	return CaseRecording{About: "steps named charge, charge, charge:1 (and charge, charge:1, charge): each returns its position and name; no two may share a memo",
		Server: "inngest dev " + e.commit, Functions: recs}, nil
}
