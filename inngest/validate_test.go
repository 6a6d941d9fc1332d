package inngest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/stretchr/testify/require"
)

type order struct {
	AccountID string `json:"account_id"`
}

var (
	evOrder     = events.Define[order]("shop/order.created")
	evCancelled = events.Define[order]("shop/order.cancelled")
)

func handler(ctx context.Context, in inngest.Input[order]) (string, error) { return "", nil }

func testClient(t *testing.T) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	require.NoError(t, err)
	return c
}

func TestFunctionValidation(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	cancel := inngest.CancelOn{Event: evCancelled}
	for _, tc := range []struct {
		name    string
		opts    inngest.FunctionOpts
		trigger inngest.Trigger[order]
		errLike string
	}{
		{"empty id", inngest.FunctionOpts{}, inngest.OnEvent(evOrder), "slug"},
		{"bad slug", inngest.FunctionOpts{ID: "Bad Slug!"}, inngest.OnEvent(evOrder), "slug"},
		{"slug ends with dash", inngest.FunctionOpts{ID: "bad-"}, inngest.OnEvent(evOrder), "slug"},
		{"no trigger", inngest.FunctionOpts{ID: "f"}, inngest.Trigger[order]{}, "trigger"},
		{"bad CEL", inngest.FunctionOpts{ID: "f"}, inngest.OnEventIf(evOrder, "event.data.x ==="), ""},
		{"unknown CEL variable", inngest.FunctionOpts{ID: "f"}, inngest.OnEventIf(evOrder, "user.id == 1"), ""},
		{"bad cron", inngest.FunctionOpts{ID: "f"}, inngest.OnCronAs[order]("61 * * * *"), ""},
		{"cron with 6 fields", inngest.FunctionOpts{ID: "f"}, inngest.OnCronAs[order]("0 0 * * * *"), ""},
		{"cron descriptor", inngest.FunctionOpts{ID: "f"}, inngest.OnCronAs[order]("@daily"), ""},
		{"cron bad zone", inngest.FunctionOpts{ID: "f"}, inngest.OnCronAs[order]("TZ=Mars/Base 0 9 * * *"), ""},
		{"duplicate triggers", inngest.FunctionOpts{ID: "f"}, inngest.Triggers(inngest.OnEvent(evOrder), inngest.OnEvent(evOrder)), "duplicate"},
		{"11 triggers", inngest.FunctionOpts{ID: "f"}, elevenTriggers(), "at most 10"},
		{"3 concurrency limits", inngest.FunctionOpts{ID: "f", Concurrency: []inngest.Concurrency{{Limit: 1}, {Limit: 2}, {Limit: 3}}}, inngest.OnEvent(evOrder), "at most 2"},
		{"concurrency limit 0", inngest.FunctionOpts{ID: "f", Concurrency: []inngest.Concurrency{{Limit: 0}}}, inngest.OnEvent(evOrder), "> 0"},
		{"account scope without key", inngest.FunctionOpts{ID: "f", Concurrency: []inngest.Concurrency{{Limit: 1, Scope: inngest.ScopeAccount}}}, inngest.OnEvent(evOrder), "concurrency key is required"},
		{"app scope", inngest.FunctionOpts{ID: "f", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.a", Scope: "app"}}}, inngest.OnEvent(evOrder), "scope"},
		{"bad concurrency key", inngest.FunctionOpts{ID: "f", Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.("}}}, inngest.OnEvent(evOrder), ""},
		{"batch+cancel", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 10, Timeout: time.Second}, CancelOn: []inngest.CancelOn{cancel}}, inngest.OnEvent(evOrder), "combined with cancel"},
		{"batch+debounce", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 10, Timeout: time.Second}, Debounce: &inngest.Debounce{Period: time.Second}}, inngest.OnEvent(evOrder), "combined with debounce"},
		{"batch+singleton", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 10, Timeout: time.Second}, Singleton: &inngest.Singleton{}}, inngest.OnEvent(evOrder), "combined with singleton"},
		{"batch+priority", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 10, Timeout: time.Second}, Priority: &inngest.Priority{Run: "1"}}, inngest.OnEvent(evOrder), "combined with priority"},
		{"batch size 1", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 1, Timeout: time.Second}}, inngest.OnEvent(evOrder), "batchEvents.maxSize"},
		{"batch timeout < 1s", inngest.FunctionOpts{ID: "f", BatchEvents: &inngest.BatchEvents{MaxSize: 2, Timeout: time.Millisecond}}, inngest.OnEvent(evOrder), "batchEvents.timeout"},
		{"rate limit period > 24h", inngest.FunctionOpts{ID: "f", RateLimit: &inngest.RateLimit{Limit: 1, Period: 25 * time.Hour}}, inngest.OnEvent(evOrder), "24h"},
		{"rate limit 0", inngest.FunctionOpts{ID: "f", RateLimit: &inngest.RateLimit{Limit: 0, Period: time.Hour}}, inngest.OnEvent(evOrder), "> 0"},
		{"throttle without period", inngest.FunctionOpts{ID: "f", Throttle: &inngest.Throttle{Limit: 1}}, inngest.OnEvent(evOrder), "Period"},
		{"debounce < 1s", inngest.FunctionOpts{ID: "f", Debounce: &inngest.Debounce{Period: time.Millisecond}}, inngest.OnEvent(evOrder), "debounce"},
		{"debounce > 7d", inngest.FunctionOpts{ID: "f", Debounce: &inngest.Debounce{Period: 8 * 24 * time.Hour}}, inngest.OnEvent(evOrder), "debounce"},
		{"6 cancel rules", inngest.FunctionOpts{ID: "f", CancelOn: []inngest.CancelOn{cancel, cancel, cancel, cancel, cancel, cancel}}, inngest.OnEvent(evOrder), "at most 5"},
		{"cancel without event", inngest.FunctionOpts{ID: "f", CancelOn: []inngest.CancelOn{{}}}, inngest.OnEvent(evOrder), "Event"},
		{"cancel if with a macro", inngest.FunctionOpts{ID: "f", CancelOn: []inngest.CancelOn{{Event: evCancelled, If: "has(async.data.x)"}}}, inngest.OnEvent(evOrder), ""},
		{"priority not an int", inngest.FunctionOpts{ID: "f", Priority: &inngest.Priority{Run: "'high'"}}, inngest.OnEvent(evOrder), ""},
		{"bad idempotency", inngest.FunctionOpts{ID: "f", Idempotency: "event.data.("}, inngest.OnEvent(evOrder), ""},
		{"bad singleton mode", inngest.FunctionOpts{ID: "f", Singleton: &inngest.Singleton{Mode: "queue"}}, inngest.OnEvent(evOrder), "singleton"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := inngest.NewFunction(c, tc.opts, tc.trigger, handler)
			require.Error(t, err)
			require.True(t, errors.Is(err, inngest.ErrInvalidFunction), "%v", err)
			require.True(t, strings.HasPrefix(err.Error(), "inngest:"), err.Error())
			require.Contains(t, err.Error(), tc.errLike)
		})
	}
	// Nil client and nil handler.
	_, err := inngest.NewFunction[order, string](nil, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(evOrder), handler)
	require.ErrorIs(t, err, inngest.ErrInvalidFunction)
	_, err = inngest.NewFunction[order, string](c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent(evOrder), nil)
	require.ErrorIs(t, err, inngest.ErrInvalidFunction)
}

func elevenTriggers() inngest.Trigger[order] {
	var ts []inngest.Trigger[order]
	for i := 0; i < 11; i++ {
		ts = append(ts, inngest.OnCronAs[order](strings.Repeat("", 0)+string(rune('0'+i%10))+" "+string(rune('0'+i/10))+" * * *"))
	}
	return inngest.Triggers(ts...)
}

func TestFunctionValidOptions(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	f, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "ok_fn-2", Retries: 99,
		BatchEvents: &inngest.BatchEvents{MaxSize: 10, Timeout: 5 * time.Second, Key: "event.data.account_id"},
		RateLimit:   &inngest.RateLimit{Limit: 1, Period: 24 * time.Hour},
		Debounce:    nil},
		inngest.Triggers(inngest.OnEventIf(evOrder, "event.data.account_id != ''"), inngest.OnCronAs[order]("TZ=Europe/Paris 0 12 * * 5"), inngest.OnCronAs[order]("CRON_TZ=UTC */5 * * * *")), handler)
	require.NoError(t, err)
	require.Equal(t, "shop-ok_fn-2", f.ID())
	require.Equal(t, "ok_fn-2", f.Slug())
	require.Equal(t, "ok_fn-2", f.Name())
	require.Contains(t, string(f.Config()), `"retries":20`, "retries are capped at 20")
	require.Contains(t, string(f.Config()), `"timeout":"5s"`, "batch timeouts use Go durations")

	g, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "none", Retries: inngest.NoRetries}, inngest.InvokeOnly[order](), handler)
	require.NoError(t, err)
	require.Contains(t, string(g.Config()), `"retries":0`)
	require.Contains(t, string(g.Config()), `"triggers":[]`)
}
