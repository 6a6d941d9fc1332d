package events

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Option changes how a Definition is made.
type Option func(*options)

type options struct {
	allowAnyName bool
	noValidation bool
}

// AllowAnyName accepts a name that breaks the naming convention, for interop
// with existing apps. Empty names and names over MaxNameLength bytes are
// still refused.
func AllowAnyName() Option { return func(o *options) { o.allowAnyName = true } }

// WithoutValidation switches schema validation off, on send and on receipt.
func WithoutValidation() Option { return func(o *options) { o.noValidation = true } }

// Definition binds an event name to its Go data type T. Make one with Define
// (usually as a package-level var), NewDefinition or Internal. A Definition
// is a small value, safe to copy and to use from many goroutines.
//
// The zero Definition has an empty name and never validates.
type Definition[T any] struct {
	name  string
	state *definitionState
}

// definitionState is shared by all copies of a Definition and by the events
// it makes; it holds the lazily generated schema and validator.
type definitionState struct {
	name     string
	typ      reflect.Type
	validate bool

	once       sync.Once
	schema     *jsonschema.Schema
	schemaJSON []byte
	root       *node
	err        error
}

// Define returns the definition of event name with data type T. It panics,
// like regexp.MustCompile, when name breaks the convention (see CheckName);
// it is meant for package-level vars:
//
//	var UserCreated = events.Define[UserCreatedData]("app/user.created")
func Define[T any](name string, opts ...Option) Definition[T] {
	d, err := NewDefinition[T](name, opts...)
	if err != nil {
		panic(err.Error())
	}
	return d
}

// NewDefinition is Define returning the name error (wrapping
// ErrInvalidName) instead of panicking.
func NewDefinition[T any](name string, opts ...Option) (Definition[T], error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if err := checkName(name, o.allowAnyName, false); err != nil {
		return Definition[T]{}, err
	}
	return newDefinition[T](name, !o.noValidation), nil
}

// Internal defines one of the server's internal events, whose names start
// with "inngest/" (e.g. "inngest/function.failed"); the SDK uses it for the
// events it receives but never sends. It panics when name lacks the prefix
// or otherwise breaks the convention.
func Internal[T any](name string, opts ...Option) Definition[T] {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if !strings.HasPrefix(name, internalPrefix) {
		panic(nameError(name, `events.Internal is only for names starting with "inngest/"; use events.Define`).Error())
	}
	if err := checkName(name, false, true); err != nil {
		panic(err.Error())
	}
	return newDefinition[T](name, !o.noValidation)
}

func newDefinition[T any](name string, validate bool) Definition[T] {
	return Definition[T]{name: name, state: &definitionState{
		name:     name,
		typ:      reflect.TypeFor[T](),
		validate: validate,
	}}
}

// EventName returns the definition's event name.
func (d Definition[T]) EventName() string { return d.name }

// New returns an event of this definition carrying data. Sending it
// validates data against the definition's schema (unless validation is off).
func (d Definition[T]) New(data T) Event[T] {
	return Event[T]{Name: d.name, Data: data, def: d.state}
}

// Schema returns the JSON Schema of T, generated on first use with
// github.com/invopop/jsonschema (see the package doc for the settings). It
// returns nil for the zero Definition or when T cannot be described (a
// channel or function type); callers must not modify the result.
func (d Definition[T]) Schema() *jsonschema.Schema {
	if d.state == nil {
		return nil
	}
	d.state.load()
	return d.state.schema
}

// SchemaJSON returns Schema as indented JSON, or nil when Schema is nil.
func (d Definition[T]) SchemaJSON() []byte {
	if d.state == nil {
		return nil
	}
	d.state.load()
	return bytes.Clone(d.state.schemaJSON)
}

// Validate marshals data and checks it against the definition's schema. It
// returns nil when validation is off; a mismatch wraps ErrInvalidData and is
// a *DataError naming the JSON path.
func (d Definition[T]) Validate(data T) error {
	if d.state == nil || !d.state.validate {
		return nil
	}
	b, err := marshalData(d.name, data)
	if err != nil {
		return err
	}
	return d.state.validateJSON(d.name, b)
}

// ValidateJSON checks received JSON data (the value of an event's "data"
// field) against the definition's schema. It returns nil when validation is
// off. It never panics, whatever raw holds.
func (d Definition[T]) ValidateJSON(raw []byte) error {
	if d.state == nil || !d.state.validate {
		return nil
	}
	return d.state.validateJSON(d.name, raw)
}

// Decode decodes a whole received event object, {"name","data","id","ts",
// "user","v"}, validating its data (unless validation is off) before
// unmarshalling it into T. Missing or null data is taken as {}. The event's
// name is kept as received and not compared with the definition's: a
// function may be run by "inngest/function.invoked" with the data of its own
// trigger. The returned event remembers d, so sending it validates again.
func (d Definition[T]) Decode(raw []byte) (Event[T], error) {
	var env envelopeWire
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event[T]{}, fmt.Errorf("inngest: decode event %q: expected a JSON object", d.name)
	}
	if err := jsoncodec.Unmarshal(trimmed, &env); err != nil {
		return Event[T]{}, fmt.Errorf("inngest: decode event %q: %w", d.name, err)
	}
	if isNullOrEmpty(env.Data) {
		env.Data = emptyObject
	}
	if env.Name == "" {
		return Event[T]{}, fmt.Errorf("inngest: decode event %q: the received event has no name", d.name)
	}
	if d.state != nil && d.state.validate {
		if err := d.state.validateJSON(env.Name, env.Data); err != nil {
			return Event[T]{}, err
		}
	}
	ev := Event[T]{ID: env.ID, Name: env.Name, User: env.User, TS: env.TS, V: env.V, def: d.state}
	if err := jsoncodec.Unmarshal(env.Data, &ev.Data); err != nil {
		return Event[T]{}, &DataError{Event: env.Name, Path: "/", Reason: "decode: " + err.Error()}
	}
	return ev, nil
}

// load generates the schema and compiles the validator, once.
func (s *definitionState) load() {
	s.once.Do(func() {
		s.schema, s.err = generateSchema(s.typ)
		if s.err != nil {
			s.err = fmt.Errorf("inngest: event %q: schema for %s: %w", s.name, s.typ, s.err)
			return
		}
		s.schemaJSON, s.err = jsoncodec.MarshalIndent(s.schema, "", "  ")
		if s.err == nil {
			s.root, s.err = compileSchema(s.schema)
		}
		if s.err != nil {
			s.err = fmt.Errorf("inngest: event %q: schema for %s: %w", s.name, s.typ, s.err)
		}
	})
}

// validateJSON checks data against the schema; name labels errors.
func (s *definitionState) validateJSON(name string, data []byte) error {
	if !s.validate {
		return nil
	}
	s.load()
	if s.err != nil {
		return s.err
	}
	return validate(s.root, name, data)
}
