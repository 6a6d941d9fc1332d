package expr

import "fmt"

// Kind is the place an expression appears, which decides the variables
// it may use, its result type and the policy it is checked against.
type Kind int

const (
	// Trigger is a trigger's "expression": variable event; result bool.
	Trigger Kind = iota
	// Key is a concurrency, throttle, rateLimit, debounce, batch or
	// singleton key, a batch "if", or idempotency: variable event.
	Key
	// Priority is priority.run: variable event; result int.
	Priority
	// Cancel is a cancel "if": event (the run's trigger) and async (the
	// cancelling event); result bool; checked under the restrictive
	// policy (see Check).
	Cancel
	// Wait is a waitForEvent "if": event and async (the candidate);
	// result bool. The restrictive policy is not enforced.
	Wait
)

// String returns the lower-case name used in error messages.
func (k Kind) String() string {
	switch k {
	case Trigger:
		return "trigger"
	case Key:
		return "key"
	case Priority:
		return "priority"
	case Cancel:
		return "cancel"
	case Wait:
		return "wait"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Variables returns the names of the variables an expression of kind k
// may reference.
func (k Kind) Variables() []string {
	if k.hasAsync() {
		return []string{"event", "async", "vars"}
	}
	return []string{"event", "vars"}
}

func (k Kind) hasAsync() bool { return k == Cancel || k == Wait }

func (k Kind) valid() bool { return k >= Trigger && k <= Wait }

// wantsBool reports whether the expression must produce a bool.
func (k Kind) wantsBool() bool { return k == Trigger || k == Cancel || k == Wait }
