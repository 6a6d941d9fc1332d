package expr_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

func TestEqualities(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		want []expr.Equality // nil: not a conjunction of equalities
	}{
		{"async.data.k == event.data.k", []expr.Equality{{Async: []string{"data", "k"}, Event: []string{"data", "k"}}}},
		{"event.data.id == async.data.user.id", []expr.Equality{{Async: []string{"data", "user", "id"}, Event: []string{"data", "id"}}}},
		{`async.data.k == "x"`, []expr.Equality{{Async: []string{"data", "k"}, Literal: "x"}}},
		{`"x" == async["data"]["k"]`, []expr.Equality{{Async: []string{"data", "k"}, Literal: "x"}}},
		{"async.data.n == 1", []expr.Equality{{Async: []string{"data", "n"}, Literal: 1.0}}},
		{"async.data.n == -(2)", nil},
		{"async.data.n == -2", []expr.Equality{{Async: []string{"data", "n"}, Literal: -2.0}}},
		{"async.data.n == 3u", []expr.Equality{{Async: []string{"data", "n"}, Literal: 3.0}}},
		{"async.data.n == 1.5", []expr.Equality{{Async: []string{"data", "n"}, Literal: 1.5}}},
		{"async.data.b == true && async.data.z == null", []expr.Equality{
			{Async: []string{"data", "b"}, Literal: true}, {Async: []string{"data", "z"}, Literal: nil}}},
		{"(async.data.a == event.data.a && async.data.b == 'y') && async.name == event.name", []expr.Equality{
			{Async: []string{"data", "a"}, Event: []string{"data", "a"}},
			{Async: []string{"data", "b"}, Literal: "y"},
			{Async: []string{"name"}, Event: []string{"name"}}}},
		{"async.data.k == b'x'", nil},
		{"async.data.k != event.data.k", nil},
		{"async.data.k == event.data.k || async.data.j == 1", nil},
		{"async.data.k == async.data.j", nil},
		{"event.data.k == 'x'", nil},
		{"async == event", nil},
		{"async.data.k == event", nil},
		{"async.data[0] == 1", nil},
		{"async.data.k == vars.k", nil},
		{"async.data.k == lowercase(event.data.k)", nil},
		{"async.data.k == event.data.k && true", nil},
		{"async.data.k == [1]", nil},
	} {
		p, err := expr.Compile(expr.Wait, tc.src)
		require.NoError(t, err, tc.src)
		got, ok := p.Equalities()
		require.Equal(t, tc.want != nil, ok, tc.src)
		require.Equal(t, tc.want, got, tc.src)
	}
	p, err := expr.Compile(expr.Trigger, "event.data.k == 'x'")
	require.NoError(t, err)
	_, ok := p.Equalities()
	require.False(t, ok, "trigger expressions have no async")
}
