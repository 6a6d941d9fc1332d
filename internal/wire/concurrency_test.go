package wire_test

import (
	"testing"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/stretchr/testify/require"
)

// TestConcurrenciesEncoding checks both forms the server's ConcurrencyLimits
// reads: the array of step-level limits, and {fn, step} once a run-level
// limit is present; and that each decodes back to what was encoded.
func TestConcurrenciesEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   wire.Concurrencies
		want string
	}{
		{"step only", wire.Concurrencies{{Limit: 2, Key: "event.data.id", Scope: "fn"}}, `[{"limit":2,"key":"event.data.id","scope":"fn"}]`},
		{"run only", wire.Concurrencies{{Limit: 1, FnLevel: true}}, `{"fn":[{"limit":1}]}`},
		{"run keyed", wire.Concurrencies{{Limit: 3, Key: "event.data.user", FnLevel: true}}, `{"fn":[{"limit":3,"key":"event.data.user"}]}`},
		{"run scoped", wire.Concurrencies{{Limit: 3, Scope: "fn", FnLevel: true}}, `{"fn":[{"limit":3,"scope":"fn"}]}`},
		{"both", wire.Concurrencies{
			{Limit: 10, Key: "'a'", Scope: "account"},
			{Limit: 1, Key: "event.data.user", FnLevel: true},
		}, `{"fn":[{"limit":1,"key":"event.data.user"}],"step":[{"limit":10,"key":"'a'","scope":"account"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := jsoncodec.Marshal(tc.in)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(b))
			var back wire.Concurrencies
			require.NoError(t, jsoncodec.Unmarshal(b, &back))
			require.ElementsMatch(t, tc.in, back)
		})
	}
}

// TestConcurrenciesDecodeInngestgo decodes the concurrency of the official Go
// SDK's sync (the wire captures): its fn entries carry an empty "hash".
func TestConcurrenciesDecodeInngestgo(t *testing.T) {
	t.Parallel()
	var c wire.Concurrencies
	require.NoError(t, jsoncodec.Unmarshal([]byte(`{"fn":[{"limit":1,"key":"event.data.user_id","hash":""}],"step":[{"limit":2,"key":"event.data.user_id","scope":"Fn","hash":""}]}`), &c))
	require.Equal(t, wire.Concurrencies{
		{Limit: 1, Key: "event.data.user_id", FnLevel: true},
		{Limit: 2, Key: "event.data.user_id", Scope: "Fn"},
	}, c)
}
