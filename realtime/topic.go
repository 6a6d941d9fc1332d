package realtime

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"

	"github.com/invopop/jsonschema"

	"github.com/seed-b02f2472/inngest-go/events"
)

// Topic binds a topic name to the Go type T of its messages, once, so that
// publishers and subscribers agree at compile time. Make one with Define
// (usually as a package-level var). A Topic is a small value, safe to copy
// and to use from many goroutines.
//
// A topic lives within channels: Topic.On(channel) addresses it in one.
type Topic[T any] struct {
	name string
	def  events.Definition[T] // schema and validation only; the name is not an event's
	off  bool
}

// Option changes how a Topic is made.
type Option func(*topicOptions)

type topicOptions struct{ noValidation bool }

// WithoutValidation switches schema validation off, on publish and on receipt.
func WithoutValidation() Option { return func(o *topicOptions) { o.noValidation = true } }

// Define returns the topic name with message type T. It panics, like
// regexp.MustCompile, when name is invalid (see NewTopic); it is meant for
// package-level vars:
//
//	var Stage = realtime.Define[StageData]("stage")
func Define[T any](name string, opts ...Option) Topic[T] {
	t, err := NewTopic[T](name, opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// NewTopic is Define returning an error (wrapping ErrInvalidTopic) instead of
// panicking. A name must be non-empty, at most 256 bytes, without control
// characters, and must not start with '$' (the server's own topics: $step,
// $run, $stream).
func NewTopic[T any](name string, opts ...Option) (Topic[T], error) {
	if err := checkName("topic", name); err != nil {
		return Topic[T]{}, err
	}
	if strings.HasPrefix(name, "$") {
		return Topic[T]{}, fmt.Errorf("%w: topic %q: names starting with '$' are the server's", ErrInvalidTopic, name)
	}
	var o topicOptions
	for _, opt := range opts {
		opt(&o)
	}
	eopts := []events.Option{events.AllowAnyName()}
	if o.noValidation {
		eopts = append(eopts, events.WithoutValidation())
	}
	def, err := events.NewDefinition[T]("realtime/"+name, eopts...)
	if err != nil {
		return Topic[T]{}, fmt.Errorf("%w: %v", ErrInvalidTopic, err)
	}
	return Topic[T]{name: name, def: def, off: o.noValidation}, nil
}

func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s name", ErrInvalidTopic, what)
	}
	if len(name) > 256 {
		return fmt.Errorf("%w: %s name longer than 256 bytes", ErrInvalidTopic, what)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s name %q has a control character", ErrInvalidTopic, what, name)
		}
	}
	return nil
}

// Name returns the topic's name.
func (t Topic[T]) Name() string { return t.name }

// Schema returns the JSON Schema of T (see the events package for how it is
// generated).
func (t Topic[T]) Schema() *jsonschema.Schema { return t.def.Schema() }

// Validate checks data against T's schema; nil when validation is off. A
// mismatch is an *events.DataError (errors.Is events.ErrInvalidData) naming
// the topic as "realtime/<name>".
func (t Topic[T]) Validate(data T) error {
	if t.off {
		return nil
	}
	b, err := jsoncodec.Marshal(data)
	if err != nil {
		return fmt.Errorf("%w: topic %q: %v", ErrInvalidMessage, t.name, err)
	}
	return t.def.ValidateJSON(b)
}

// decode decodes a message's data into T, validating it unless validation is
// off.
func (t Topic[T]) decode(raw json.RawMessage) (T, error) {
	var v T
	if !t.off {
		if err := t.def.ValidateJSON(raw); err != nil {
			return v, err
		}
	}
	if err := jsoncodec.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: topic %q: %v", ErrInvalidMessage, t.name, err)
	}
	return v, nil
}

// On addresses the topic in channel. A channel is any name the publisher and
// subscribers agree on ("ticket:42", a run id, a user's id).
func (t Topic[T]) On(channel string) Ref[T] { return Ref[T]{channel: channel, topic: t} }

// Ref is a topic in one channel: what is published to and subscribed to.
type Ref[T any] struct {
	channel string
	topic   Topic[T]
}

// Channel returns the ref's channel.
func (r Ref[T]) Channel() string { return r.channel }

// Topic returns the ref's topic name.
func (r Ref[T]) Topic() string { return r.topic.name }

// Definition returns the ref's topic.
func (r Ref[T]) Definition() Topic[T] { return r.topic }

func (r Ref[T]) check() error {
	if r.topic.name == "" {
		return fmt.Errorf("%w: zero Ref (make one with Topic.On)", ErrInvalidTopic)
	}
	return checkName("channel", r.channel)
}
