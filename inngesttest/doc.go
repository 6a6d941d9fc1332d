// Package inngesttest runs Inngest functions in tests, in process, against the
// embedded engine (package engine) on a virtual clock: a seven-day wait or a
// day-long sleep passes at once, retries need no real backoff, and every
// request (sync, events, calls, checkpoints) goes over real HTTP on the
// loopback interface, exactly as in production.
//
// One line starts everything; t.Cleanup stops it:
//
//	env := inngesttest.Start(t, inngesttest.Options{})
//	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "welcome"},
//		inngest.OnEvent(UserSignedUp), handler)
//	require.NoError(t, err)
//	env.Serve(fn) // serve.New on an httptest server, synced with PUT → /fn/register
//
//	ids := env.Send(t, UserSignedUp.New(Signup{Email: "a@example.com"}))
//	run := env.WaitForRun(t, ids[0])
//	inngesttest.RequireCompleted(t, run)
//	out := inngesttest.DecodeOutput[string](t, run)
//
// New(t, opts, fns...) does both steps for functions created with any client.
//
// # Time
//
// By default the clock advances by itself whenever the engine has nothing to
// do, to the next timer. Set Options.ManualClock to move it only with Advance:
// that is needed to act while a run waits, for example to send the event a
// step.WaitForEvent expects before its timeout (see WaitingFor).
//
// # Waiting
//
// WaitForRun, WaitForRuns, WaitForFunction, WaitingFor and WaitFor block until
// the engine reaches the state they describe, at most Options.Timeout of wall
// time; then they fail the test with a dump of every run, its steps and its
// history. They return runs as runtype.Run, the type of the engine's read API:
// run.Step("charge") finds a step by the ID given in the code (Step.Name; its
// ID is the hashed wire ID), and the run's History and Waits are there too.
//
// # Mocks
//
// MockStep and MockStepError replace a step's result without running its code:
// the app's handler is wrapped so that every call for the function carries the
// mocked result in its memoized state, as if the step had already run.
//
// # Assertions
//
// RequireCompleted, RequireFailed, RequireOutput, RequireStepRan,
// RequireStepAttempts and RequireFailureHandlerRan fail the test with the run's
// dump. DecodeOutput and DecodeStep decode results into Go types.
package inngesttest
