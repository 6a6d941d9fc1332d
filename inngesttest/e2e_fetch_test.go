package inngesttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/inngesttest"
	"github.com/seed-b02f2472/inngest-go/step"
)

type rate struct {
	From string  `json:"from"`
	To   string  `json:"to"`
	Rate float64 `json:"rate"`
}

// rateProvider is a local stand-in for a currency API; it counts requests.
func rateProvider(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		switch r.URL.Path {
		case "/rates":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Provider", "stub")
			_, _ = fmt.Fprintf(w, `{"from":%q,"to":"USD","rate":1.25}`, r.URL.Query().Get("from"))
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			_, _ = fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("X-Key"), b)
		default:
			http.Error(w, "no such rate", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestE2EFetch: the engine makes the request, the answer is memoized (the
// provider sees one request although the function replays), decoded into
// the caller's type; method, headers and body reach the provider.
func TestE2EFetch(t *testing.T) {
	t.Parallel()
	prov, hits := rateProvider(t)
	env := inngesttest.Start(t, inngesttest.Options{Client: inngest.ClientOptions{Checkpoint: noCheckpoint}})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "fx"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			r, res, err := step.FetchJSON[rate](ctx, "rate", step.FetchRequest{URL: prov.URL + "/rates?from=EUR"})
			if err != nil {
				return "", err
			}
			echo, err := step.Fetch(ctx, "echo", step.FetchRequest{Method: "post", URL: prov.URL + "/echo",
				Header: http.Header{"X-Key": {"k1"}}, Body: []byte(`{"n":1}`)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s->%s %.2f %d %s | %s", r.From, r.To, r.Rate, res.StatusCode, res.Header.Get("X-Provider"), echo.Body), nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"EUR->USD 1.25 200 stub | POST k1 {\"n\":1}"`)
	require.Equal(t, int32(2), hits.Load())
	s, ok := run.Step("rate")
	require.True(t, ok)
	var memo struct {
		Data struct {
			URL        string            `json:"url"`
			StatusCode int               `json:"status_code"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(s.Result, &memo))
	require.Equal(t, prov.URL+"/rates?from=EUR", memo.Data.URL)
	require.Equal(t, 200, memo.Data.StatusCode)
	require.Equal(t, "application/json", memo.Data.Headers["Content-Type"])
	require.JSONEq(t, `{"from":"EUR","to":"USD","rate":1.25}`, memo.Data.Body)
}

// TestE2EFetchErrors: a non-2xx answer is a *FetchStatusError (with the
// response), a request that cannot be made is a *FetchTransportError.
func TestE2EFetchErrors(t *testing.T) {
	t.Parallel()
	prov, _ := rateProvider(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	env := inngesttest.Start(t, inngesttest.Options{})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "fx-errors"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			res, err := step.Fetch(ctx, "missing", step.FetchRequest{URL: prov.URL + "/nope"})
			var se *step.FetchStatusError
			if !errors.As(err, &se) {
				return "", fmt.Errorf("want a status error, got %v", err)
			}
			_, err = step.Fetch(ctx, "down", step.FetchRequest{URL: closed.URL + "/rates"})
			var te *step.FetchTransportError
			if !errors.As(err, &te) {
				return "", fmt.Errorf("want a transport error, got %v", err)
			}
			return fmt.Sprintf("%d %d %t", res.StatusCode, se.StatusCode, strings.HasPrefix(te.Message, "Error making gateway request: ")), nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	inngesttest.RequireOutput(t, env.WaitForRun(t, ids[0]), `"404 404 true"`)
}

// TestE2EFetchTransport: existing net/http code becomes durable with
// step.FetchClient; each request is a step named "METHOD URL".
func TestE2EFetchTransport(t *testing.T) {
	t.Parallel()
	prov, hits := rateProvider(t)
	env := inngesttest.Start(t, inngesttest.Options{})
	env.Serve(newFn(t, env, inngest.FunctionOpts{ID: "fx-client"}, inngest.OnEvent(e2eStarted),
		func(ctx context.Context, in inngest.Input[e2eData]) (string, error) {
			hc := step.FetchClient(ctx)
			out := ""
			for _, cur := range []string{"EUR", "GBP"} {
				resp, err := hc.Get(prov.URL + "/rates?from=" + cur)
				if err != nil {
					return "", err
				}
				var r rate
				err = json.NewDecoder(resp.Body).Decode(&r)
				_ = resp.Body.Close()
				if err != nil {
					return "", err
				}
				out += fmt.Sprintf("%s=%.2f ", r.From, r.Rate)
			}
			resp, err := hc.Get(prov.URL + "/nope")
			if err != nil {
				return "", err
			}
			_ = resp.Body.Close()
			return out + resp.Status, nil
		}))
	ids := env.Send(t, e2eStarted.New(e2eData{User: "u1"}))
	run := env.WaitForRun(t, ids[0])
	inngesttest.RequireOutput(t, run, `"EUR=1.25 GBP=1.25 404 Not Found"`)
	require.Equal(t, int32(3), hits.Load())
	inngesttest.RequireStepRan(t, run, "GET "+prov.URL+"/rates?from=GBP")
}
