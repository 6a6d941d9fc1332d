package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuickstartRunsOnTheEmbeddedEngine(t *testing.T) {
	t.Parallel()
	out, err := runEmbedded(context.Background())
	require.NoError(t, err)
	require.Equal(t, `quickstart-send-welcome-email Completed: "welcome e-mail sent to alice@example.com"`, out)
}
