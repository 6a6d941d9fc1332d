package inngest_test

import (
	"context"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/link"
	"github.com/stretchr/testify/require"
)

// TestConfigIsACopy: the configuration this module's packages read through
// internal/link is a copy; changing it (as an importer could change the pointer
// ServeConfig returned before) leaves the client as NewClient resolved it.
func TestConfigIsACopy(t *testing.T) {
	t.Parallel()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeCloud,
		SigningKey: "signkey-prod-00", BaseURL: "https://api.example.test"})
	require.NoError(t, err)

	cfg := link.Config(c)
	require.Equal(t, "signkey-prod-00", cfg.SigningKey)
	require.Equal(t, "https://api.example.test", cfg.APIBaseURL)
	cfg.APIBaseURL = "https://attacker.example.test"
	cfg.EventAPIBaseURL = "https://attacker.example.test"
	cfg.SigningKey = "signkey-prod-ff"
	cfg.AppID = "other"

	require.Equal(t, "https://api.example.test", c.APIBaseURL())
	require.Equal(t, "https://api.example.test", c.EventAPIBaseURL())
	require.Equal(t, "shop", c.AppID())
	again := link.Config(c)
	require.Equal(t, "signkey-prod-00", again.SigningKey)
	require.Equal(t, "https://api.example.test", again.APIBaseURL)
}

// TestDefinitionsThroughLink: a function's definitions (the function, then its
// failure handler) are reachable from this module's packages only, in that order.
func TestDefinitionsThroughLink(t *testing.T) {
	t.Parallel()
	c, err := inngest.NewClient(inngest.ClientOptions{AppID: "shop", Mode: inngest.ModeDev})
	require.NoError(t, err)
	ev := events.Define[struct{}]("shop/link.tested")
	h := func(ctx context.Context, in inngest.Input[struct{}]) (any, error) { return nil, nil }

	plain, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "plain"}, inngest.OnEvent(ev), h)
	require.NoError(t, err)
	defs := link.Definitions[inngest.ServableFunction](plain)
	require.Len(t, defs, 1)
	require.Equal(t, "shop-plain", defs[0].Config.ID)

	withFailure, err := inngest.NewFunction(c, inngest.FunctionOpts{ID: "guarded"}, inngest.OnEvent(ev), h,
		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[struct{}]) error { return nil }))
	require.NoError(t, err)
	defs = link.Definitions[inngest.ServableFunction](withFailure)
	require.Len(t, defs, 2)
	require.Equal(t, "shop-guarded", defs[0].Config.ID)
	require.Equal(t, "shop-guarded-failure", defs[1].Config.ID)
}
