package events

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Sendable is implemented by everything client.Send and step.SendEvent
// accept: an Event[T] or a Raw.
type Sendable interface {
	// Envelope returns the event ready to send, or an error when its name
	// is empty, its data cannot be marshalled, is not a JSON object, or does
	// not fit its definition's schema.
	Envelope() (Envelope, error)
}

// Envelope is an event ready to send: its data already marshalled to JSON.
type Envelope struct {
	// ID is the idempotency key; empty lets the server assign one.
	ID string
	// Name is the event name.
	Name string
	// Data is the event's data as a JSON object; empty means {}.
	Data json.RawMessage
	// User is the deprecated user object; nil is left out.
	User map[string]any
	// TS is the event time in Unix milliseconds; 0 lets the server use the
	// receive time.
	TS int64
	// V is an optional version string.
	V string
}

// Envelope returns e itself, so an Envelope is Sendable too.
func (e Envelope) Envelope() (Envelope, error) { return e, nil }

// envelopeWire fixes the field order of an envelope on the wire.
type envelopeWire struct {
	Name string           `json:"name"`
	Data json.RawMessage  `json:"data"`
	ID   string           `json:"id,omitempty"`
	User jsoncodec.Object `json:"user,omitempty"`
	TS   int64            `json:"ts,omitempty"`
	V    string           `json:"v,omitempty"`
}

// emptyObject is the data sent when there is none.
var emptyObject = json.RawMessage("{}")

// MarshalJSON writes {"name":..,"data":..,"id"?,"user"?,"ts"?,"v"?}, with
// data defaulting to {} when empty.
func (e Envelope) MarshalJSON() ([]byte, error) {
	data := e.Data
	if len(bytes.TrimSpace(data)) == 0 {
		data = emptyObject
	}
	return jsoncodec.Marshal(envelopeWire{Name: e.Name, Data: data, ID: e.ID, User: e.User, TS: e.TS, V: e.V})
}

// UnmarshalJSON reads an event object as received; a missing or null data
// becomes {}.
func (e *Envelope) UnmarshalJSON(b []byte) error {
	var w envelopeWire
	if err := jsoncodec.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("inngest: decode event: %w", err)
	}
	if isNullOrEmpty(w.Data) {
		w.Data = emptyObject
	}
	*e = Envelope{ID: w.ID, Name: w.Name, Data: w.Data, User: w.User, TS: w.TS, V: w.V}
	return nil
}

// Raw is an untyped event to send. It is Sendable; its data is not checked
// against any schema, only that it marshals to a JSON object.
type Raw struct {
	// ID is the idempotency key; empty lets the server assign one.
	ID string
	// Name is the event name; it must not be empty.
	Name string
	// Data is marshalled with encoding/json; nil sends {}.
	Data any
	// User is the deprecated user object.
	User map[string]any
	// TS is the event time in Unix milliseconds; 0 lets the server decide.
	TS int64
	// V is an optional version string.
	V string
}

// Envelope marshals r.Data and returns r ready to send.
func (r Raw) Envelope() (Envelope, error) {
	data, err := marshalData(r.Name, r.Data)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{ID: r.ID, Name: r.Name, Data: data, User: r.User, TS: r.TS, V: r.V}, nil
}

// marshalData marshals an event's data, turning null into {} and refusing
// anything that is not a JSON object.
func marshalData(name string, data any) (json.RawMessage, error) {
	if name == "" {
		return nil, nameError(name, "an event to send needs a name")
	}
	b, err := jsoncodec.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("inngest: event %q: marshal data: %w", name, err)
	}
	if isNullOrEmpty(b) {
		return emptyObject, nil
	}
	if b[0] != '{' { // jsoncodec.Marshal output is compact: no leading space
		return nil, &DataError{Event: name, Path: "/", Reason: "data must be a JSON object, got " + kindName(kindOf(b[0]))}
	}
	return b, nil
}

// isNullOrEmpty reports whether b is empty, blank or the literal null.
func isNullOrEmpty(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}
