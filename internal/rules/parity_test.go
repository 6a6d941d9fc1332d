package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/stretchr/testify/require"
)

type order struct {
	AccountID string `json:"account_id"`
}

var (
	evOrder  = events.Define[order]("shop/order", events.AllowAnyName())
	evCancel = events.Define[order]("shop/cancel", events.AllowAnyName())
)

const runtimeURL = "http://127.0.0.1:1/api/inngest?fnId=shop-f&stepId=step"

// parityCase is one rule at one value, written twice: as the SDK's options
// and as the registration JSON another SDK would send for the same thing.
type parityCase struct {
	name    string
	opts    inngest.FunctionOpts   // ID "f" is set by the test
	trigger inngest.Trigger[order] // zero: OnEvent(evOrder)
	wire    map[string]any         // fields over the base function
	ok      bool
	// event, when set, is the name of the SDK's trigger, defined by the test
	// with events.NewDefinition: the SDK refuses a bad name already there.
	event string
}

func eventTriggers(n int) (inngest.Trigger[order], []any) {
	var ts []inngest.Trigger[order]
	var ws []any
	for i := range n {
		name := fmt.Sprintf("shop/e%d", i)
		ts = append(ts, inngest.OnEvent(events.Define[order](name, events.AllowAnyName())))
		ws = append(ws, map[string]any{"event": name})
	}
	return inngest.Triggers(ts...), ws
}

func cancels(n int) ([]inngest.CancelOn, []any) {
	var cs []inngest.CancelOn
	var ws []any
	for range n {
		cs = append(cs, inngest.CancelOn{Event: evCancel})
		ws = append(ws, map[string]any{"event": evCancel.EventName()})
	}
	return cs, ws
}

func parityCases() []parityCase {
	batch := func(size int, timeout time.Duration) *inngest.BatchEvents {
		return &inngest.BatchEvents{MaxSize: size, Timeout: timeout}
	}
	wbatch := func(size int, timeout string) map[string]any {
		return map[string]any{"maxSize": size, "timeout": timeout}
	}
	ten, wten := eventTriggers(10)
	eleven, weleven := eventTriggers(11)
	five, wfive := cancels(5)
	six, wsix := cancels(6)
	long := strings.Repeat("a", 255)
	one := inngest.CancelOn{Event: evCancel}
	wone := []any{map[string]any{"event": evCancel.EventName()}}
	return []parityCase{
		{name: "plain", ok: true},
		{name: "10 triggers", trigger: ten, wire: map[string]any{"triggers": wten}, ok: true},
		{name: "11 triggers", trigger: eleven, wire: map[string]any{"triggers": weleven}},
		{name: "duplicate trigger", trigger: inngest.Triggers(inngest.OnEvent(evOrder), inngest.OnEvent(evOrder)),
			wire: map[string]any{"triggers": []any{map[string]any{"event": "shop/order"}, map[string]any{"event": "shop/order"}}}},
		{name: "event name of 255", trigger: inngest.OnEvent(events.Define[order](long, events.AllowAnyName())), wire: map[string]any{"triggers": []any{map[string]any{"event": long}}}, ok: true},
		{name: "event name of 256", event: long + "b", wire: map[string]any{"triggers": []any{map[string]any{"event": long + "b"}}}},
		{name: "trigger expression", trigger: inngest.OnEventIf(evOrder, "event.data.account_id == 'a'"),
			wire: map[string]any{"triggers": []any{map[string]any{"event": "shop/order", "expression": "event.data.account_id == 'a'"}}}, ok: true},
		{name: "bad trigger expression", trigger: inngest.OnEventIf(evOrder, "event.data.x ==="),
			wire: map[string]any{"triggers": []any{map[string]any{"event": "shop/order", "expression": "event.data.x ==="}}}},
		{name: "cron", trigger: inngest.OnCronAs[order]("TZ=Europe/Paris 0 9 * * 1-5"), wire: map[string]any{"triggers": []any{map[string]any{"cron": "TZ=Europe/Paris 0 9 * * 1-5"}}}, ok: true},
		{name: "cron descriptor", trigger: inngest.OnCronAs[order]("@daily"), wire: map[string]any{"triggers": []any{map[string]any{"cron": "@daily"}}}},
		{name: "bad cron", trigger: inngest.OnCronAs[order]("61 * * * *"), wire: map[string]any{"triggers": []any{map[string]any{"cron": "61 * * * *"}}}},

		{name: "2 concurrency limits", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1}, {Limit: 2, Key: "event.data.account_id"}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1}, map[string]any{"limit": 2, "key": "event.data.account_id"}}}, ok: true},
		{name: "3 concurrency limits", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1}, {Limit: 2, Key: "event.data.a"}, {Limit: 3, Key: "event.data.b"}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1}, map[string]any{"limit": 2, "key": "event.data.a"}, map[string]any{"limit": 3, "key": "event.data.b"}}}},
		{name: "account scope with key", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1, Scope: inngest.ScopeAccount, Key: "event.data.a"}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1, "scope": "account", "key": "event.data.a"}}}, ok: true},
		{name: "account scope without key", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1, Scope: inngest.ScopeAccount}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1, "scope": "account"}}}},
		{name: "app scope", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1, Scope: "app", Key: "event.data.a"}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1, "scope": "app", "key": "event.data.a"}}}},
		{name: "bad concurrency key", opts: inngest.FunctionOpts{Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.("}}},
			wire: map[string]any{"concurrency": []any{map[string]any{"limit": 1, "key": "event.data.("}}}},

		{name: "run concurrency", opts: inngest.FunctionOpts{RunConcurrency: &inngest.RunConcurrency{Limit: 1}},
			wire: map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 1}}}}, ok: true},
		{name: "keyed run concurrency with 2 step limits", opts: inngest.FunctionOpts{RunConcurrency: &inngest.RunConcurrency{Limit: 3, Key: "event.data.account_id"},
			Concurrency: []inngest.Concurrency{{Limit: 1}, {Limit: 2, Key: "event.data.account_id"}}},
			wire: map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 3, "key": "event.data.account_id"}},
				"step": []any{map[string]any{"limit": 1}, map[string]any{"limit": 2, "key": "event.data.account_id"}}}}, ok: true},
		{name: "run concurrency 0", opts: inngest.FunctionOpts{RunConcurrency: &inngest.RunConcurrency{}},
			wire: map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 0}}}}},
		{name: "bad run concurrency key", opts: inngest.FunctionOpts{RunConcurrency: &inngest.RunConcurrency{Limit: 1, Key: "event.data.("}},
			wire: map[string]any{"concurrency": map[string]any{"fn": []any{map[string]any{"limit": 1, "key": "event.data.("}}}}},

		{name: "batch of 2 in 1s", opts: inngest.FunctionOpts{BatchEvents: batch(2, time.Second)}, wire: map[string]any{"batchEvents": wbatch(2, "1s")}, ok: true},
		{name: "batch of 1", opts: inngest.FunctionOpts{BatchEvents: batch(1, time.Second)}, wire: map[string]any{"batchEvents": wbatch(1, "1s")}},
		{name: "batch timeout under 1s", opts: inngest.FunctionOpts{BatchEvents: batch(2, 999*time.Millisecond)}, wire: map[string]any{"batchEvents": wbatch(2, "999ms")}},
		{name: "batch key", opts: inngest.FunctionOpts{BatchEvents: &inngest.BatchEvents{MaxSize: 5, Timeout: time.Second, Key: "event.data.account_id"}},
			wire: map[string]any{"batchEvents": map[string]any{"maxSize": 5, "timeout": "1s", "key": "event.data.account_id"}}, ok: true},
		{name: "bad batch key", opts: inngest.FunctionOpts{BatchEvents: &inngest.BatchEvents{MaxSize: 5, Timeout: time.Second, Key: "event.("}},
			wire: map[string]any{"batchEvents": map[string]any{"maxSize": 5, "timeout": "1s", "key": "event.("}}},
		{name: "batch with cancel", opts: inngest.FunctionOpts{BatchEvents: batch(2, time.Second), CancelOn: []inngest.CancelOn{one}},
			wire: map[string]any{"batchEvents": wbatch(2, "1s"), "cancel": wone}},
		{name: "batch with debounce", opts: inngest.FunctionOpts{BatchEvents: batch(2, time.Second), Debounce: &inngest.Debounce{Period: time.Second}},
			wire: map[string]any{"batchEvents": wbatch(2, "1s"), "debounce": map[string]any{"period": "1s"}}},
		{name: "batch with singleton", opts: inngest.FunctionOpts{BatchEvents: batch(2, time.Second), Singleton: &inngest.Singleton{}},
			wire: map[string]any{"batchEvents": wbatch(2, "1s"), "singleton": map[string]any{"mode": "skip"}}},
		{name: "batch with priority", opts: inngest.FunctionOpts{BatchEvents: batch(2, time.Second), Priority: &inngest.Priority{Run: "10"}},
			wire: map[string]any{"batchEvents": wbatch(2, "1s"), "priority": map[string]any{"run": "10"}}},

		{name: "debounce 1s", opts: inngest.FunctionOpts{Debounce: &inngest.Debounce{Period: time.Second}}, wire: map[string]any{"debounce": map[string]any{"period": "1s"}}, ok: true},
		{name: "debounce 7d", opts: inngest.FunctionOpts{Debounce: &inngest.Debounce{Period: 7 * 24 * time.Hour}}, wire: map[string]any{"debounce": map[string]any{"period": "7d"}}, ok: true},
		{name: "debounce under 1s", opts: inngest.FunctionOpts{Debounce: &inngest.Debounce{Period: 999 * time.Millisecond}}, wire: map[string]any{"debounce": map[string]any{"period": "999ms"}}},
		{name: "debounce over 7d", opts: inngest.FunctionOpts{Debounce: &inngest.Debounce{Period: 7*24*time.Hour + time.Second}}, wire: map[string]any{"debounce": map[string]any{"period": "168h1s"}}},
		{name: "bad debounce key", opts: inngest.FunctionOpts{Debounce: &inngest.Debounce{Period: time.Second, Key: "event.("}}, wire: map[string]any{"debounce": map[string]any{"period": "1s", "key": "event.("}}},

		{name: "rate limit 24h", opts: inngest.FunctionOpts{RateLimit: &inngest.RateLimit{Limit: 1, Period: 24 * time.Hour}}, wire: map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "24h"}}, ok: true},
		{name: "rate limit over 24h", opts: inngest.FunctionOpts{RateLimit: &inngest.RateLimit{Limit: 1, Period: 25 * time.Hour}}, wire: map[string]any{"rateLimit": map[string]any{"limit": 1, "period": "25h"}}},
		{name: "rate limit 0", opts: inngest.FunctionOpts{RateLimit: &inngest.RateLimit{Limit: 0, Period: time.Hour}}, wire: map[string]any{"rateLimit": map[string]any{"limit": 0, "period": "1h"}}},

		{name: "throttle", opts: inngest.FunctionOpts{Throttle: &inngest.Throttle{Limit: 2, Period: time.Minute, Key: "event.data.a"}},
			wire: map[string]any{"throttle": map[string]any{"limit": 2, "period": "1m", "key": "event.data.a"}}, ok: true},
		{name: "bad throttle key", opts: inngest.FunctionOpts{Throttle: &inngest.Throttle{Limit: 2, Period: time.Minute, Key: "event.("}},
			wire: map[string]any{"throttle": map[string]any{"limit": 2, "period": "1m", "key": "event.("}}},

		{name: "5 cancel rules", opts: inngest.FunctionOpts{CancelOn: five}, wire: map[string]any{"cancel": wfive}, ok: true},
		{name: "6 cancel rules", opts: inngest.FunctionOpts{CancelOn: six}, wire: map[string]any{"cancel": wsix}},
		{name: "cancel if", opts: inngest.FunctionOpts{CancelOn: []inngest.CancelOn{{Event: evCancel, If: "async.data.account_id == event.data.account_id"}}},
			wire: map[string]any{"cancel": []any{map[string]any{"event": evCancel.EventName(), "if": "async.data.account_id == event.data.account_id"}}}, ok: true},
		{name: "cancel if with a macro", opts: inngest.FunctionOpts{CancelOn: []inngest.CancelOn{{Event: evCancel, If: "has(async.data.x)"}}},
			wire: map[string]any{"cancel": []any{map[string]any{"event": evCancel.EventName(), "if": "has(async.data.x)"}}}},

		{name: "priority", opts: inngest.FunctionOpts{Priority: &inngest.Priority{Run: "event.data.account_id == 'vip' ? 120 : 0"}},
			wire: map[string]any{"priority": map[string]any{"run": "event.data.account_id == 'vip' ? 120 : 0"}}, ok: true},
		{name: "priority not an int", opts: inngest.FunctionOpts{Priority: &inngest.Priority{Run: "'high'"}}, wire: map[string]any{"priority": map[string]any{"run": "'high'"}}},
		{name: "idempotency", opts: inngest.FunctionOpts{Idempotency: "event.data.account_id"}, wire: map[string]any{"idempotency": "event.data.account_id"}, ok: true},
		{name: "bad idempotency", opts: inngest.FunctionOpts{Idempotency: "event.data.("}, wire: map[string]any{"idempotency": "event.data.("}},
		{name: "singleton cancel", opts: inngest.FunctionOpts{Singleton: &inngest.Singleton{Key: "event.data.a", Mode: inngest.SingletonCancel}},
			wire: map[string]any{"singleton": map[string]any{"key": "event.data.a", "mode": "cancel"}}, ok: true},
		{name: "singleton mode", opts: inngest.FunctionOpts{Singleton: &inngest.Singleton{Mode: "queue"}}, wire: map[string]any{"singleton": map[string]any{"mode": "queue"}}},
		{name: "bad singleton key", opts: inngest.FunctionOpts{Singleton: &inngest.Singleton{Key: "event.(", Mode: inngest.SingletonSkip}},
			wire: map[string]any{"singleton": map[string]any{"key": "event.(", "mode": "skip"}}},
		{name: "timeouts are not checked", opts: inngest.FunctionOpts{Timeouts: &inngest.Timeouts{Start: time.Minute, Finish: 400 * 24 * time.Hour}},
			wire: map[string]any{"timeouts": map[string]any{"start": "1m", "finish": "400d"}}, ok: true},
		{name: "retries are capped, not refused", opts: inngest.FunctionOpts{Retries: 99}, wire: map[string]any{"retries": 99}, ok: true},
	}
}

// TestSDKAndEngineAgree runs every rule through the SDK's definition check
// (inngest.NewFunction) and through the engine's sync (POST /fn/register) and
// requires the same verdict from both; a function the SDK accepts must also
// sync as the SDK encodes it.
func TestSDKAndEngineAgree(t *testing.T) {
	t.Parallel()
	eng, err := engine.New(engine.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, eng.Close())
	})
	client, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	require.NoError(t, err)
	handler := func(context.Context, inngest.Input[order]) (any, error) { return nil, nil }

	for _, tc := range parityCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.ID = "f"
			trigger := tc.trigger
			if reflect.ValueOf(trigger).IsZero() {
				trigger = inngest.OnEvent(evOrder)
			}
			var f *inngest.Function[order, any]
			var sdkErr error
			if tc.event != "" {
				var def events.Definition[order]
				def, sdkErr = events.NewDefinition[order](tc.event, events.AllowAnyName())
				if sdkErr == nil {
					trigger = inngest.OnEvent(def)
				}
			}
			if sdkErr == nil {
				f, sdkErr = inngest.NewFunction(client, opts, trigger, handler)
			}

			fn := map[string]any{"id": "shop-f", "name": "f",
				"triggers": []any{map[string]any{"event": "shop/order"}},
				"steps":    map[string]any{"step": map[string]any{"id": "step", "name": "f", "runtime": map[string]any{"url": runtimeURL}}}}
			for k, v := range tc.wire {
				fn[k] = v
			}
			status, body := register(t, srv.URL, fn)

			require.Equal(t, tc.ok, sdkErr == nil, "SDK: %v", sdkErr)
			require.Equal(t, tc.ok, status == http.StatusOK, "engine: %d %s", status, body)
			if sdkErr != nil {
				if tc.event == "" {
					require.ErrorIs(t, sdkErr, inngest.ErrInvalidFunction)
				} else {
					require.ErrorIs(t, sdkErr, events.ErrInvalidName)
				}
				require.Equal(t, http.StatusBadRequest, status)
				return
			}
			var own map[string]any
			require.NoError(t, json.Unmarshal(f.Config(), &own))
			own["steps"] = fn["steps"]
			status, body = register(t, srv.URL, own)
			require.Equal(t, http.StatusOK, status, "the SDK's own encoding: %s", body)
		})
	}
}

// register syncs one function under its own app name and returns the status
// and body of the reply.
func register(t *testing.T, base string, fn map[string]any) (int, string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"v": "1", "url": "http://127.0.0.1:1/api/inngest", "deployType": "ping",
		"sdk": "go:test", "appName": t.Name() + fmt.Sprint(len(fmt.Sprint(fn))), "functions": []any{fn}})
	require.NoError(t, err)
	resp, err := http.Post(base+"/fn/register", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
