package events_test

import (
	"strings"
	"testing"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/stretchr/testify/require"
)

func TestCheckName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ok     bool
		reason string
	}{
		{name: "app/ticket.created", ok: true},
		{name: "app/admin-digest.ready", ok: true},
		{name: "app/auth.email-verified", ok: true},
		{name: "app/user.profile.updated", ok: true},
		{name: "billing_v2/invoice_line.paid", ok: true},
		{name: "a1/b2.c3", ok: true},
		{name: "", reason: "empty"},
		{name: strings.Repeat("a", 253) + "/b.c", reason: "255"},
		{name: "UserSignup", reason: "<prefix>/<feature>.<action>"},
		{name: "app/User.created", reason: "lower case"},
		{name: "app/user", reason: "<prefix>/<feature>.<action>"},
		{name: "user.created", reason: "<prefix>/<feature>.<action>"},
		{name: "/user.created", reason: "<prefix>/<feature>.<action>"},
		{name: "app/.created", reason: "<prefix>/<feature>.<action>"},
		{name: "app/user.", reason: "<prefix>/<feature>.<action>"},
		{name: "app/user..created", reason: "<prefix>/<feature>.<action>"},
		{name: "app/sub/user.created", reason: "<prefix>/<feature>.<action>"},
		{name: "app/user created", reason: "<prefix>/<feature>.<action>"},
		{name: "app/user.créé", reason: "<prefix>/<feature>.<action>"},
		{name: "inngest/function.failed", reason: "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := events.CheckName(tt.name)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, events.ErrInvalidName)
			require.Contains(t, err.Error(), tt.reason)
			if len(tt.name) < 64 {
				require.Contains(t, err.Error(), `"`+tt.name+`"`)
			}
		})
	}
}

func TestCheckNameMessage(t *testing.T) {
	t.Parallel()
	require.EqualError(t, events.CheckName("UserSignup"),
		`inngest: invalid event name "UserSignup": use "<prefix>/<feature>.<action>" in lower case, e.g. "app/user.created" (or events.AllowAnyName())`)
}

func TestNameEventName(t *testing.T) {
	t.Parallel()
	var n events.Named = events.Name("Legacy Event")
	require.Equal(t, "Legacy Event", n.EventName())
}
