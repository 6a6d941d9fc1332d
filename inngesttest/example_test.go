package inngesttest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

// exampleTB stands in for the *testing.T of a test in examples, which have
// none: failures panic and cleanups run when done is called.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (t *exampleTB) Helper()                           {}
func (t *exampleTB) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleTB) FailNow()                          { panic("test failed") }
func (t *exampleTB) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

type Trial struct {
	Email string `json:"email"`
}

var TrialStarted = events.Define[Trial]("app/trial.started")

// A two-step function with a day-long sleep runs in milliseconds: the virtual
// clock jumps over the sleep.
func Example() {
	t := &exampleTB{} // in a test: the test's *testing.T
	defer t.done()

	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "trial-follow-up"}, inngest.OnEvent(TrialStarted),
		func(ctx context.Context, in inngest.Input[Trial]) (string, error) {
			welcome, err := step.Run(ctx, "send-welcome", func(ctx context.Context) (string, error) {
				return "welcome sent to " + in.Event.Data.Email, nil
			})
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "send-tips", func(ctx context.Context) (string, error) {
				return welcome + ", then tips", nil
			})
		})
	if err != nil {
		panic(err)
	}
	env.Serve(fn)

	start := env.Now()
	ids := env.Send(t, TrialStarted.New(Trial{Email: "ada@example.com"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)

	fmt.Println(inngesttest.DecodeOutput[string](t, run))
	fmt.Println("virtual time passed:", run.EndedAt.Sub(start))
	for _, s := range run.Steps {
		fmt.Println(s.Name, s.Op)
	}
	// Output:
	// welcome sent to ada@example.com, then tips
	// virtual time passed: 24h0m0s
	// send-welcome StepRun
	// wait-a-day Sleep
	// send-tips StepRun
}

// A mocked step returns the mocked result and its code does not run.
func ExampleEnv_MockStep() {
	t := &exampleTB{}
	defer t.done()

	env := inngesttest.Start(t, inngesttest.Options{})
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "score"}, inngest.OnEvent(TrialStarted),
		func(ctx context.Context, in inngest.Input[Trial]) (int, error) {
			return step.Run(ctx, "call-scoring-api", func(ctx context.Context) (int, error) {
				panic("not reached: the step is mocked")
			})
		})
	if err != nil {
		panic(err)
	}
	env.Serve(fn)
	env.MockStep("score", "call-scoring-api", 97)

	ids := env.Send(t, TrialStarted.New(Trial{Email: "ada@example.com"}))
	fmt.Println(string(env.WaitForRun(t, ids[0]).Output))
	// Output:
	// 97
}

// New starts the environment and serves functions in one call; the functions
// may come from the app's own client.
func ExampleNew() {
	t := &exampleTB{}
	defer t.done()

	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "billing", Mode: inngest.ModeDev})
	if err != nil {
		panic(err)
	}
	fn, err := inngest.NewFunction(client, inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent(TrialStarted),
		func(ctx context.Context, in inngest.Input[Trial]) (string, error) {
			return "hi " + in.Event.Data.Email, nil
		})
	if err != nil {
		panic(err)
	}

	env := inngesttest.New(t, inngesttest.Options{}, fn)
	ids := env.Send(t, TrialStarted.New(Trial{Email: "bob@example.com"}))
	run := env.WaitForRun(t, ids[0])
	fmt.Println(run.FunctionID, string(run.Output))
	// Output:
	// billing-greet "hi bob@example.com"
}
