// Package racecase holds the step.Race functions recorded against the real dev
// server (internal/realserver/wirecheck -case race, testdata/realserver/wire-race.json)
// and replayed on the engine by inngesttest.TestRaceAsRecorded: one definition
// for both sides, so the replay runs exactly the recorded code.
package racecase

import (
	"context"
	"errors"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// Out is every race function's output: the winning branch, its value and the
// result of the step after the race.
type Out struct {
	Winner int    `json:"winner"`
	Value  string `json:"value"`
	After  string `json:"after"`
}

// Data is the triggering event's data.
type Data struct {
	N int `json:"n"`
}

// Event triggers every race function.
var Event = events.Define[Data]("wirecheck/race.started")

// Case is one recorded function.
type Case struct {
	// ID is the function's id.
	ID string
	// Checkpoint is its checkpointing.
	Checkpoint inngest.CheckpointOptions
	// Body is the function's handler body.
	Body func(ctx context.Context) (Out, error)
}

// SlowStep is how long the slow branch's single step takes in its body.
const SlowStep = 1500 * time.Millisecond

// Nap is the sleeping branch's sleep.
const Nap = 3 * time.Second

var errBoom = errors.New("boom")

func run(ctx context.Context, id string, v string, d time.Duration, err error) (string, error) {
	return step.Run(ctx, id, func(ctx context.Context) (string, error) {
		if d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return v, err
	})
}

func sleepThen(ctx context.Context) (string, error) {
	if err := step.Sleep(ctx, "nap", Nap); err != nil {
		return "", err
	}
	return run(ctx, "late", "late", 0, nil)
}

func after(ctx context.Context, w int, v string, err error) (Out, error) {
	if err != nil {
		return Out{Winner: w}, err
	}
	a, err := run(ctx, "after", "after", 0, nil)
	return Out{Winner: w, Value: v, After: a}, err
}

// fastVsSleep: one fast step against a sleep and a step.
func fastVsSleep(ctx context.Context) (Out, error) {
	w, v, err := step.Race(ctx,
		func(ctx context.Context) (string, error) { return run(ctx, "fast", "fast", 0, nil) },
		sleepThen)
	return after(ctx, w, v, err)
}

// threeBranches: two fast sequential steps, one slow step, a sleep and a step.
func threeBranches(ctx context.Context) (Out, error) {
	w, v, err := step.Race(ctx,
		func(ctx context.Context) (string, error) {
			a, err := run(ctx, "q1", "q1", 0, nil)
			if err != nil {
				return "", err
			}
			return run(ctx, "q2", a+"+q2", 0, nil)
		},
		func(ctx context.Context) (string, error) { return run(ctx, "slow", "slow", SlowStep, nil) },
		sleepThen)
	return after(ctx, w, v, err)
}

// loserFails: a fast step wins; the loser's step fails (no retries) a moment
// later, while the run sleeps after the race.
func loserFails(ctx context.Context) (Out, error) {
	w, v, err := step.Race(ctx,
		func(ctx context.Context) (string, error) { return run(ctx, "ok", "ok", 0, nil) },
		func(ctx context.Context) (string, error) {
			return run(ctx, "boom", "", SlowStep, inngest.NoRetry(errBoom))
		})
	if err != nil {
		return Out{Winner: w}, err
	}
	if err := step.Sleep(ctx, "linger", Nap); err != nil {
		return Out{}, err
	}
	return after(ctx, w, v, nil)
}

// failingWinner: the branch that fails first wins with its error, which fails
// the run.
func failingWinner(ctx context.Context) (Out, error) {
	w, v, err := step.Race(ctx,
		func(ctx context.Context) (string, error) {
			return run(ctx, "boom", "", 0, inngest.NoRetry(errBoom))
		},
		sleepThen)
	return after(ctx, w, v, err)
}

var off = inngest.CheckpointOptions{Disabled: true}

// Cases are the recorded functions, checkpointing off and on.
var Cases = []Case{
	{ID: "race-fast-vs-sleep", Checkpoint: off, Body: fastVsSleep},
	{ID: "race-three-branches", Checkpoint: off, Body: threeBranches},
	{ID: "race-loser-fails", Checkpoint: off, Body: loserFails},
	{ID: "race-failing-winner", Checkpoint: off, Body: failingWinner},
	{ID: "race-fast-vs-sleep-checkpointed", Body: fastVsSleep},
	{ID: "race-three-branches-checkpointed", Body: threeBranches},
	{ID: "race-loser-fails-checkpointed", Body: loserFails},
}
