package expr_test

import (
	"encoding/json"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/internal/expr"
)

func ExampleCheck() {
	fmt.Println(expr.Check(expr.Trigger, "event.data.amount > 0"))
	fmt.Println(expr.Check(expr.Trigger, "evnt.data.amount > 0"))
	fmt.Println(expr.Check(expr.Cancel, "has(event.data.x)"))
	// Output:
	// <nil>
	// inngest: invalid trigger expression "evnt.data.amount > 0": 1:1: undeclared reference to 'evnt' (in container '')
	// inngest: invalid cancel expression "has(event.data.x)": macros are not allowed (uses has)
}

func ExampleProgram_Bool() {
	var trigger, reply map[string]any
	_ = json.Unmarshal([]byte(`{"name":"app/wait-match","data":{"id":"abc-123"}}`), &trigger)
	_ = json.Unmarshal([]byte(`{"name":"app/reply","data":{"id":"abc-123","answer":42}}`), &reply)

	p, err := expr.Compile(expr.Wait, "async.data.id == event.data.id && async.data.answer == 42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Bool(expr.Vars{Event: trigger, Async: reply}))
	// A missing field is no match, not an error.
	fmt.Println(p.Bool(expr.Vars{Event: trigger, Async: map[string]any{"data": map[string]any{}}}))
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleProgram_KeyString() {
	p, _ := expr.Compile(expr.Key, "event.data.account")
	for _, account := range []any{"acc_1", 42.0, map[string]any{"b": 1.0, "a": "x"}} {
		key, err := p.KeyString(expr.Vars{Event: map[string]any{"data": map[string]any{"account": account}}})
		fmt.Println(key, err)
	}
	// Output:
	// acc_1 <nil>
	// 42 <nil>
	// {"a":"x","b":1} <nil>
}

func ExampleProgram_Int() {
	p, _ := expr.Compile(expr.Priority, "event.data.plan == 'enterprise' ? 120 : 0")
	fmt.Println(p.Int(expr.Vars{Event: map[string]any{"data": map[string]any{"plan": "enterprise"}}}))
	// Output: 120 <nil>
}
