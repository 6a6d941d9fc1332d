package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

type order struct {
	OrderID string `json:"order_id"`
}

var (
	orderPlaced    = events.Define[order]("app/order.placed")
	orderConfirmed = events.Define[order]("app/order.confirmed")
)

func TestFanOutWithSendEvent(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.Client()
	place, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "place-order"}, inngest.OnEvent(orderPlaced),
		func(ctx context.Context, in inngest.Input[order]) ([]string, error) {
			return step.SendEvent(ctx, "confirm", orderConfirmed.New(order{OrderID: in.Event.Data.OrderID}))
		})
	require.NoError(t, err)
	handler := func(prefix string) inngest.Handler[order, string] {
		return func(ctx context.Context, in inngest.Input[order]) (string, error) {
			return step.Run(ctx, "notify", func(ctx context.Context) (string, error) {
				return prefix + " " + in.Event.Data.OrderID, nil
			})
		}
	}
	email, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "email-receipt"}, inngest.OnEvent(orderConfirmed), handler("emailed"))
	require.NoError(t, err)
	ship, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ship"}, inngest.OnEvent(orderConfirmed), handler("shipped"))
	require.NoError(t, err)
	env.Serve(place, email, ship)

	ids := env.Send(t, orderPlaced.New(order{OrderID: "o-1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireCompleted(t, run)
	sent := inngesttest.DecodeOutput[[]string](t, run)
	require.Len(t, sent, 1)
	require.Equal(t, sent, inngesttest.DecodeStep[[]string](t, run, "confirm"))

	runs := env.WaitForRuns(t, sent[0], 2)
	require.Len(t, runs, 2)
	outputs := map[string]string{}
	for _, r := range runs {
		inngesttest.RequireStepRan(t, r, "notify")
		outputs[r.FunctionID] = inngesttest.DecodeOutput[string](t, r)
	}
	require.Equal(t, map[string]string{"test-app-email-receipt": "emailed o-1", "test-app-ship": "shipped o-1"}, outputs)
	inngesttest.RequireOutput(t, env.WaitForFunction(t, "ship"), `"shipped o-1"`)
}

type approvalReq struct {
	RequestID string `json:"request_id"`
}

type approval struct {
	RequestID string `json:"request_id"`
	By        string `json:"by"`
}

var (
	approvalRequested = events.Define[approvalReq]("app/approval.requested")
	approvalGiven     = events.Define[approval]("app/approval.given")
)

func newApprovalFn(t *testing.T, c *inngest.Client) *inngest.Function[approvalReq, string] {
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "await-approval"}, inngest.OnEvent(approvalRequested),
		func(ctx context.Context, in inngest.Input[approvalReq]) (string, error) {
			ev, ok, err := step.WaitForEvent(ctx, "wait-approval", approvalGiven, 7*24*time.Hour,
				step.WaitOpts{If: "async.data.request_id == event.data.request_id"})
			if err != nil {
				return "", err
			}
			if !ok {
				return "expired", nil
			}
			return "approved by " + ev.Data.By, nil
		})
	require.NoError(t, err)
	return fn
}

func TestWaitForEventMatched(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newApprovalFn(t, env.Client()))
	start := env.Now()
	ids := env.Send(t, approvalRequested.New(approvalReq{RequestID: "r-1"}))
	waiting := env.WaitingFor(t, "app/approval.given")
	require.Equal(t, ids, waiting.EventIDs)

	env.Advance(3 * 24 * time.Hour) // three days later, well within the timeout
	env.Send(t, approvalGiven.New(approval{RequestID: "other", By: "mallory"}))
	env.Send(t, approvalGiven.New(approval{RequestID: "r-1", By: "alice"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"approved by alice"`)
	got := inngesttest.DecodeStep[events.Event[approval]](t, run, "wait-approval")
	require.Equal(t, "alice", got.Data.By)
	require.Equal(t, 3*24*time.Hour, run.EndedAt.Sub(start))
}

func TestWaitForEventTimedOut(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	env.Serve(newApprovalFn(t, env.Client()))
	start := env.Now()
	ids := env.Send(t, approvalRequested.New(approvalReq{RequestID: "r-2"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"expired"`)
	s, ok := run.Step("wait-approval")
	require.True(t, ok)
	require.True(t, s.Done)
	require.JSONEq(t, "null", string(s.Result))
	require.GreaterOrEqual(t, run.EndedAt.Sub(start), 7*24*time.Hour)
}

func TestWaitForEventTimedOutManualClock(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{ManualClock: true})
	env.Serve(newApprovalFn(t, env.Client()))
	ids := env.Send(t, approvalRequested.New(approvalReq{RequestID: "r-3"}))
	env.WaitingFor(t, approvalGiven.EventName())
	env.Advance(7*24*time.Hour + time.Second)
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `"expired"`)
}

type payment struct {
	PaymentID string `json:"payment_id"`
	Amount    int    `json:"amount"`
}

var paymentRequested = events.Define[payment]("app/payment.requested")

func TestGlobalFailureHandler(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	c := env.Client()
	var seen atomic.Value
	charge, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge", Retries: inngest.NoRetries}, inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (string, error) {
			return step.Run(ctx, "call-stripe", func(ctx context.Context) (string, error) {
				return "", errors.New("card declined")
			})
		})
	require.NoError(t, err)
	alert, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "alert-on-failure"}, inngest.OnFunctionFailed(),
		func(ctx context.Context, in inngest.Input[inngest.FunctionFailed]) (string, error) {
			seen.Store(in.Event.Data.FunctionID + ": " + in.Event.Data.Error.Message)
			return "alerted", nil
		})
	require.NoError(t, err)
	env.Serve(charge, alert)

	ids := env.Send(t, paymentRequested.New(payment{PaymentID: "p-1", Amount: 100}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.NotNil(t, run.Error)
	s, ok := run.Step("call-stripe")
	require.True(t, ok)
	require.NotNil(t, s.Error)
	require.Equal(t, "card declined", s.Error.Message)

	h := inngesttest.RequireFailureHandlerRan(t, env, "charge")
	require.Equal(t, "test-app-alert-on-failure", h.FunctionID)
	inngesttest.RequireOutput(t, h, `"alerted"`)
	require.Contains(t, seen.Load(), "test-app-charge: ")
	require.Contains(t, seen.Load(), "card declined")
}

func TestPerFunctionOnFailure(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var got atomic.Value
	charge, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "charge", Retries: 1}, inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (string, error) {
			return "", fmt.Errorf("gateway down for %s", in.Event.Data.PaymentID)
		},
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[payment]) error {
			got.Store(in.Event.Data.PaymentID + " " + in.Error.Message)
			return nil
		}))
	require.NoError(t, err)
	env.Serve(charge)
	ids := env.Send(t, paymentRequested.New(payment{PaymentID: "p-2"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.Equal(t, 2, run.Attempts)
	h := inngesttest.RequireFailureHandlerRan(t, env, "charge")
	require.Equal(t, "test-app-charge-failure", h.FunctionID)
	require.Equal(t, "p-2 gateway down for p-2", got.Load())
}

type job struct {
	UserID string `json:"user_id"`
	N      int    `json:"n"`
}

var jobQueued = events.Define[job]("app/job.queued")

func TestConcurrencyPerUser(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var mu sync.Mutex
	active := map[string]int{}
	maxActive := map[string]int{}
	entered := make(chan int, 4)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll)
	fn, err := inngest.NewFunction(env.Client(),
		inngest.FunctionOpts{ID: "process", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.user_id"}}},
		inngest.OnEvent(jobQueued),
		func(ctx context.Context, in inngest.Input[job]) (int, error) {
			return step.Run(ctx, "work", func(ctx context.Context) (int, error) {
				u := in.Event.Data.UserID
				mu.Lock()
				active[u]++
				maxActive[u] = max(maxActive[u], active[u])
				mu.Unlock()
				if u == "u1" {
					entered <- in.Event.Data.N
					<-release // hold the slot until every other run had its chance
				}
				mu.Lock()
				active[u]--
				mu.Unlock()
				return in.Event.Data.N, nil
			})
		})
	require.NoError(t, err)
	env.Serve(fn)
	ids := env.Send(t,
		jobQueued.New(job{UserID: "u1", N: 1}), jobQueued.New(job{UserID: "u1", N: 2}),
		jobQueued.New(job{UserID: "u1", N: 3}), jobQueued.New(job{UserID: "u2", N: 4}))
	<-entered
	// u2 is not limited by u1's slot: it finishes while u1 holds its own.
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[3]), "4")
	// Quiet with one u1 call in flight: the other u1 runs were tried and held back.
	require.Eventually(t, func() bool { return env.Engine().Quiet(1) }, 10*time.Second, time.Millisecond)
	require.Len(t, entered, 0, "a second u1 run started while the first held the slot")
	releaseAll()
	for i, id := range ids {
		inngesttest.RequireOutput(t, env.WaitForRun(t, id), fmt.Sprint(i+1))
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, maxActive["u1"], "two runs of the same user overlapped")
	require.Equal(t, 1, maxActive["u2"])
}

func TestIdempotentPayment(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var charges atomic.Int32
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "pay", Idempotency: "event.data.payment_id"},
		inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (int, error) {
			return step.Run(ctx, "charge", func(ctx context.Context) (int, error) {
				charges.Add(1)
				return in.Event.Data.Amount, nil
			})
		})
	require.NoError(t, err)
	env.Serve(fn)
	first := env.Send(t, paymentRequested.New(payment{PaymentID: "p-9", Amount: 42}))
	second := env.Send(t, paymentRequested.New(payment{PaymentID: "p-9", Amount: 42}))
	other := env.Send(t, paymentRequested.New(payment{PaymentID: "p-10", Amount: 7}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, first[0]), "42")
	inngesttest.RequireOutput(t, env.WaitForRun(t, other[0]), "7")
	require.Empty(t, env.RunsForEvent(second[0]), "the same idempotency key started a second run")
	require.Len(t, env.WaitForFunctionRuns(t, "pay", 2), 2)
	require.EqualValues(t, 2, charges.Load())
}

func TestStepRetries(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var calls atomic.Int32
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "flaky"}, inngest.OnEvent(jobQueued),
		func(ctx context.Context, in inngest.Input[job]) (string, error) {
			return step.Run(ctx, "call-api", func(ctx context.Context) (string, error) {
				if calls.Add(1) <= 2 {
					return "", errors.New("503 from upstream")
				}
				return "ok", nil
			})
		})
	require.NoError(t, err)
	env.Serve(fn)
	start := env.Now()
	ids := env.Send(t, jobQueued.New(job{UserID: "u1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"ok"`)
	inngesttest.RequireStepAttempts(t, run, "call-api", 3)
	require.EqualValues(t, 3, calls.Load())
	require.Greater(t, run.EndedAt.Sub(start), time.Duration(0), "the retries' backoff passes on the virtual clock")
}

func TestStepMocks(t *testing.T) {
	t.Parallel()
	env := inngesttest.Start(t, inngesttest.Options{})
	var charged, emailed atomic.Int32
	fn, err := inngest.NewFunction(env.Client(), inngest.FunctionOpts{ID: "checkout"}, inngest.OnEvent(paymentRequested),
		func(ctx context.Context, in inngest.Input[payment]) (map[string]any, error) {
			receipt, err := step.Run(ctx, "charge", func(ctx context.Context) (map[string]string, error) {
				charged.Add(1)
				return map[string]string{"id": "real"}, nil
			})
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "cool-off", time.Hour); err != nil {
				return nil, err
			}
			sent, err := step.Run(ctx, "email", func(ctx context.Context) (bool, error) {
				emailed.Add(1)
				return true, nil
			})
			return map[string]any{"receipt": receipt["id"], "emailed": sent}, err
		})
	require.NoError(t, err)
	env.Serve(fn)
	env.MockStep("checkout", "charge", map[string]string{"id": "ch_mock"})

	ids := env.Send(t, paymentRequested.New(payment{PaymentID: "p-3"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `{"receipt":"ch_mock","emailed":true}`)
	require.Zero(t, charged.Load(), "a mocked step ran its code")
	require.EqualValues(t, 1, emailed.Load())
	inngesttest.RequireStepRan(t, run, "email")
	_, ok := run.Step("charge")
	require.False(t, ok, "mocked steps are not seen by the engine")

	env.MockStepError("test-app-checkout", "charge", errors.New("card declined"))
	ids = env.Send(t, paymentRequested.New(payment{PaymentID: "p-4"}))
	run = env.WaitForRun(t, ids[0])
	inngesttest.RequireFailed(t, run)
	require.Contains(t, run.Error.Message, "card declined")
	require.Zero(t, charged.Load())

	env.ClearMocks("test-app-checkout")
	ids = env.Send(t, paymentRequested.New(payment{PaymentID: "p-5"}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `{"receipt":"real","emailed":true}`)
	require.EqualValues(t, 1, charged.Load())
}
