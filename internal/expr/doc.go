// Package expr compiles and evaluates Inngest expressions.
//
// Inngest expressions are CEL (https://cel.dev) over a few variables:
// event (the triggering event), async (the candidate event of a wait or a
// cancellation) and vars. Each place an expression appears is a Kind,
// which fixes the variables in scope, the expected result and, for
// cancellations, a restrictive policy:
//
//	Trigger   trigger "expression"                     event, vars   bool
//	Key       flow-control keys, batch "if", idempotency event, vars any
//	Priority  priority.run                             event, vars   int
//	Cancel    cancel "if" (restrictive policy)         event, async, vars bool
//	Wait      waitForEvent "if"                        event, async, vars bool
//
// Any other identifier is a compile error, so a typo such as
// "evnt.data.id" fails when the function is defined rather than when it
// runs. Check validates only; Compile returns a reusable Program that the
// embedded engine evaluates with Bool, Value, Int or KeyString, compiled
// through its own bounded Cache (nothing is cached process-wide).
//
// Numbers from JSON are float64. Comparisons between numbers of
// different CEL types work as expected ("event.data.amount > 0",
// "event.data.count == 3"); arithmetic does not mix them (CEL has no
// int+double), so write "event.data.count + 1.0" or
// "int(event.data.count) + 1". The server's helper functions lowercase,
// uppercase, b64decode, json_parse, date, now, now_plus and now_minus are
// available.
//
// A reference to a field, key or index that is absent from the input is
// reported as ErrMissing; Bool turns it into false (no match) with a nil
// error. Evaluation never panics. Sources are limited to MaxSourceLen
// bytes, bounded parser nesting and at most two nested loops; an
// expression with loops (all, exists, map, filter) is stopped after
// EvalTimeout, so a hostile expression or a huge list cannot hang the
// caller. (cel.CostLimit is deliberately not used: cel-go's runtime cost
// tracker is quadratic in loop iterations and would itself be the slow
// part.)
package expr
