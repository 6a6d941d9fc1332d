package inngest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/serve"
)

func ExampleNewClient() {
	c, err := inngest.NewClient(inngest.ClientOptions{
		AppID: "shop",
		Mode:  inngest.ModeDev, // or INNGEST_DEV=1; cloud mode needs a signing key
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.AppID(), c.Mode(), c.APIBaseURL())
	// Output: shop dev http://127.0.0.1:8288
}

func ExampleNewFunction() {
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	fn, err := inngest.NewFunction(c,
		inngest.FunctionOpts{ID: "confirm-order", Retries: 2, Concurrency: []inngest.Concurrency{{Limit: 5, Key: "event.data.account_id"}}},
		inngest.OnEvent(evOrder),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			return "confirmed for " + in.Event.Data.AccountID, nil
		})
	if err != nil {
		panic(err)
	}
	fmt.Println(fn.ID())

	// Drive it as the server would.
	body := `{"ctx":{"attempt":0,"max_attempts":3,"run_id":"01KRUN","stack":{"current":0,"stack":[]}},` +
		`"event":{"name":"shop/order.created","data":{"account_id":"acct_1"}},"steps":{},"version":2}`
	rec := httptest.NewRecorder()
	serve.Handler(c, fn).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=shop-confirm-order&stepId=step", strings.NewReader(body)))
	fmt.Println(rec.Code, rec.Body.String())

	// Options are checked like the server checks them.
	_, err = inngest.NewFunction(c, inngest.FunctionOpts{ID: "bad", RateLimit: &inngest.RateLimit{Limit: 1, Period: 48 * time.Hour}}, inngest.OnEvent(evOrder), handler)
	fmt.Println(errors.Is(err, inngest.ErrInvalidFunction))
	// Output:
	// shop-confirm-order
	// 200 "confirmed for acct_1"
	// true
}

func ExampleNoRetry() {
	err := inngest.NoRetry(errors.New("card declined"))
	var nr *inngest.NoRetryError
	fmt.Println(errors.As(err, &nr), err)

	// Returned from a function, it fails the run for good: 400 + X-Inngest-No-Retry.
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge"}, inngest.OnEvent(evOrder),
		func(ctx context.Context, in inngest.Input[order]) (string, error) { return "", err })
	rec := httptest.NewRecorder()
	body := `{"ctx":{"run_id":"r","max_attempts":5},"event":{"name":"shop/order.created","data":{"account_id":"a1"}},"steps":{}}`
	serve.Handler(c, fn).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?fnId=shop-charge&stepId=step", strings.NewReader(body)))
	fmt.Println(rec.Code, rec.Header().Get("X-Inngest-No-Retry"))
	// Output:
	// true card declined
	// 400 true
}

func ExampleRetryAfter() {
	err := inngest.RetryAfter(errors.New("rate limited"), 30*time.Second)
	var ra *inngest.RetryAfterError
	if errors.As(err, &ra) {
		fmt.Println(ra.Err, ra.At.After(time.Now()))
	}

	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	at := time.Date(2030, 1, 1, 0, 1, 0, 0, time.UTC)
	fn, _ := inngest.NewFunction(c, inngest.FunctionOpts{ID: "sync-crm"}, inngest.OnEvent(evOrder),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			return "", inngest.RetryAfter(errors.New("crm busy"), at)
		})
	h, _ := serve.New(c, serve.Options{Now: func() time.Time { return at.Add(-time.Minute) }}, fn)
	rec := httptest.NewRecorder()
	body := `{"ctx":{"run_id":"r","max_attempts":5},"event":{"name":"shop/order.created","data":{"account_id":"a1"}},"steps":{}}`
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?fnId=shop-sync-crm&stepId=step", strings.NewReader(body)))
	fmt.Println(rec.Code, rec.Header().Get("X-Inngest-No-Retry"), rec.Header().Get("Retry-After"))
	// Output:
	// rate limited true
	// 500 false 60
}

func ExampleOnFailure() {
	c, _ := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	fn, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "charge", Retries: 3}, inngest.OnEvent(evOrder),
		func(ctx context.Context, in inngest.Input[order]) (string, error) {
			return "", errors.New("card declined")
		},
		// Runs once, after the last attempt failed, with the run's own event.
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[order]) error {
			inngest.Logger(ctx).Warn("charge failed for good", "account", in.Event.Data.AccountID, "error", in.Error.Message)
			return nil
		}))
	if err != nil {
		panic(err)
	}
	// The failure handler is served next to the function, as "<id>-failure".
	rec := httptest.NewRecorder()
	serve.Handler(c, fn).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/inngest", nil))
	fmt.Println(fn.ID(), strings.Contains(rec.Body.String(), `"function_count":2`))
	// Output: shop-charge true
}
