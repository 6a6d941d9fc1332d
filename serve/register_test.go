package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/serve"
	"github.com/stretchr/testify/require"
)

type invoice struct {
	AccountID string `json:"account_id"`
	InvoiceID string `json:"invoice_id"`
	Amount    int    `json:"amount"`
	Plan      string `json:"plan"`
}

var (
	evInvoiceCreated = events.Define[invoice]("billing/invoice.created")
	evInvoiceUpdated = events.Define[invoice]("billing/invoice.updated")
	evInvoiceVoided  = events.Define[invoice]("billing/invoice.voided")
)

// allOptions is a function using every option.
func allOptions(t *testing.T, c *inngest.Client) inngest.ServableFunction {
	t.Helper()
	return mustFn(t, c, inngest.FunctionOpts{
		ID:      "charge-card",
		Name:    "Charge card",
		Retries: 3,
		Concurrency: []inngest.Concurrency{
			{Limit: 10, Key: "event.data.account_id"},
			{Limit: 100, Key: "'global'", Scope: inngest.ScopeAccount},
		},
		RunConcurrency: &inngest.RunConcurrency{Limit: 2, Key: "event.data.account_id"},
		Throttle:       &inngest.Throttle{Limit: 5, Period: time.Minute, Burst: 2, Key: "event.data.account_id"},
		RateLimit:      &inngest.RateLimit{Limit: 1, Period: 10 * time.Second, Key: "event.data.invoice_id"},
		Debounce:       &inngest.Debounce{Period: 5 * time.Second, Key: "event.data.account_id", Timeout: time.Minute},
		Priority:       &inngest.Priority{Run: "event.data.plan == 'enterprise' ? 120 : 0"},
		Idempotency:    "event.data.invoice_id",
		CancelOn:       []inngest.CancelOn{{Event: evInvoiceVoided, If: "async.data.invoice_id == event.data.invoice_id", Timeout: 7 * 24 * time.Hour}},
		Timeouts:       &inngest.Timeouts{Start: 10 * time.Minute, Finish: time.Hour},
		Singleton:      &inngest.Singleton{Key: "event.data.account_id", Mode: inngest.SingletonCancel},
		Checkpoint:     inngest.CheckpointOptions{BatchSteps: 3, BatchInterval: 3 * time.Second, MaxRuntime: 20 * time.Second},
	}, inngest.Triggers(
		inngest.OnEventIf(evInvoiceCreated, "event.data.amount > 0"),
		inngest.OnEvent(evInvoiceUpdated),
		inngest.OnCronAs[invoice]("TZ=Europe/Paris 0 9 * * 1-5"),
	), func(ctx context.Context, in inngest.Input[invoice]) (string, error) { return "ok", nil })
}

// TestRegisterAllOptions syncs a function using every option and compares the
// /fn/register body with testdata/register_all_options.golden.json, then checks it
// against the server's registration rules (PROTOCOL §10, §13).
func TestRegisterAllOptions(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(`{"ok":true,"modified":true,"sync_id":"s","app_id":"a"}`))
	})
	c, _ := devClient(t, inngest.ClientOptions{AppID: "billing", APIBaseURL: api.URL, AppVersion: "2026-08-01", Checkpoint: inngest.CheckpointOptions{BatchSteps: 50}})
	h := serve.Handler(c, allOptions(t, c))
	rec := do(h, http.MethodPut, "http://app.example.com/api/inngest", []byte(`{"url":"https://app.example.com/api/inngest"}`), nil)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	regs := api.requests("/fn/register")
	require.Len(t, regs, 1)
	body := regs[0].Body

	var pretty any
	require.NoError(t, json.Unmarshal(body, &pretty))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(pretty))
	goldenFile(t, "register_all_options.golden.json", buf.Bytes())

	// The server's rules.
	var reg struct {
		V          string `json:"v"`
		URL        string `json:"url"`
		DeployType string `json:"deployType"`
		SDK        string `json:"sdk"`
		AppName    string `json:"appName"`
		Functions  []map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(body, &reg))
	require.Equal(t, "1", reg.V)
	require.Equal(t, "ping", reg.DeployType)
	require.Equal(t, "billing", reg.AppName)
	require.Equal(t, sdkHeader, reg.SDK)
	require.Equal(t, "https://app.example.com/api/inngest", reg.URL)
	require.Len(t, reg.Functions, 1)
	fn := reg.Functions[0]
	_, capitalised := fn["Singleton"]
	require.False(t, capitalised, "singleton is emitted in lower case")
	var f wire.Function
	require.NoError(t, json.Unmarshal(body[strings.Index(string(body), `"functions":[`)+len(`"functions":[`):len(body)-2], &f))
	require.Equal(t, "billing-charge-card", f.ID)
	require.NotEmpty(t, f.Name)
	require.Len(t, f.Steps, 1)
	st, ok := f.Steps["step"]
	require.True(t, ok)
	require.Equal(t, "step", st.ID)
	require.NotEmpty(t, st.Name)
	u, err := url.Parse(st.Runtime.URL)
	require.NoError(t, err)
	require.Contains(t, []string{"http", "https"}, u.Scheme)
	require.Equal(t, "billing-charge-card", u.Query().Get("fnId"))
	require.Equal(t, 3, st.Retries.Attempts)
	require.LessOrEqual(t, len(f.Triggers), 10)
	for _, tr := range f.Triggers {
		require.True(t, (tr.Event == "") != (tr.Cron == ""), "exactly one of event/cron: %+v", tr)
	}
	require.LessOrEqual(t, len(f.Concurrency), 3)
	fnLevel := 0
	for _, cc := range f.Concurrency {
		require.Greater(t, cc.Limit, 0)
		if cc.FnLevel {
			fnLevel++
			require.Empty(t, cc.Scope, "the server defaults a function-level scope to fn")
			continue
		}
		require.Contains(t, []string{"fn", "env", "account"}, cc.Scope)
		if cc.Scope != "fn" {
			require.NotEmpty(t, cc.Key)
		}
	}
	require.Equal(t, 1, fnLevel, "one function-level limit")
	require.NotEmpty(t, f.Throttle.Period)
	require.Greater(t, f.RateLimit.Limit, 0)
	require.LessOrEqual(t, len(f.Cancel), 5)
	require.Contains(t, []string{"skip", "cancel"}, f.Singleton.Mode)
	require.Nil(t, f.BatchEvents)
	require.Equal(t, &wire.Checkpoint{BatchSteps: 3, BatchInterval: "3s", MaxRuntime: "20s"}, f.Checkpoint)
}

// goldenFile compares got with testdata/<name> (rewritten with -update).
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		require.NoError(t, writeFile(path, got))
		return
	}
	want, err := readFile(path)
	require.NoError(t, err, "run with -update to create %s", path)
	require.Equal(t, string(want), string(got))
}
