package events

import "time"

// Event is one event as it travels on the wire, with typed Data.
//
// An Event made by Definition.New or Definition.Decode remembers its
// definition and is validated against its schema when it is sent; one built
// as a struct literal is not.
type Event[T any] struct {
	// ID is the idempotency key (server-assigned when empty).
	ID string `json:"id,omitempty"`
	// Name is the event name, e.g. "app/user.created".
	Name string `json:"name"`
	// Data is the event payload.
	Data T `json:"data"`
	// User is the deprecated user object.
	User map[string]any `json:"user,omitempty"`
	// TS is the event time in Unix milliseconds.
	TS int64 `json:"ts,omitempty"`
	// V is an optional version string.
	V string `json:"v,omitempty"`

	def *definitionState
}

// Time returns TS as a time.Time, or the zero time when TS is 0.
func (e Event[T]) Time() time.Time {
	if e.TS == 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.TS)
}

// Envelope marshals e.Data and returns e ready to send. If e came from a
// Definition whose validation is on, the data is checked against the
// definition's schema first; the error then wraps ErrInvalidData.
func (e Event[T]) Envelope() (Envelope, error) {
	data, err := marshalData(e.Name, e.Data)
	if err != nil {
		return Envelope{}, err
	}
	if e.def != nil {
		if err := e.def.validateJSON(e.Name, data); err != nil {
			return Envelope{}, err
		}
	}
	return Envelope{ID: e.ID, Name: e.Name, Data: data, User: e.User, TS: e.TS, V: e.V}, nil
}
