package engine

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// An event name looks at the wildcard functions whose prefix starts it, not
// at every wildcard function; the candidates match nameMatches exactly.
func TestWildcardCandidatesByPrefix(t *testing.T) {
	t.Parallel()
	e := (&Engine{state: guarded{fns: map[string]*fnState{}}}).held()
	add := func(id string, events ...string) {
		fn := &fnState{id: id}
		for _, ev := range events {
			fn.triggers = append(fn.triggers, trigger{event: ev})
		}
		e.s.fns[id] = fn
	}
	for i := range 100 {
		add("w"+strconv.Itoa(i), "w"+strconv.Itoa(i)+"/*")
	}
	add("all", "*")
	add("shop", "shop/*", "shop/order.created", "shop/order.*")
	add("order", "shop/order.created")
	add("exactstar", "shop/**")
	idx := e.triggerIndexLocked()

	ids := func(name string) []string {
		var out []string
		for _, fn := range idx.candidates(name) {
			out = append(out, fn.id)
		}
		return out
	}
	require.Equal(t, []string{"all", "w7"}, ids("w7/x"))
	require.Equal(t, []string{"all", "w70"}, ids("w70/x"))
	require.Equal(t, []string{"all"}, ids("w7"))
	require.Equal(t, []string{"all", "order", "shop"}, ids("shop/order.created"))
	require.Equal(t, []string{"all", "exactstar", "shop"}, ids("shop/*x"))
	require.Equal(t, []string{"all"}, ids(""))
	for _, name := range []string{"w7/x", "shop/order.created", "shop/*x", "shop/", "w1", "x", ""} {
		var want []string
		for _, fn := range e.held().fnOrderLocked() {
			for _, tr := range fn.triggers {
				if nameMatches(tr.event, name) {
					want = append(want, fn.id)
					break
				}
			}
		}
		require.Equal(t, want, ids(name), name)
	}
}
