package encryption

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/inngest"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// DefaultEventField is the event data field that is encrypted by default.
const DefaultEventField = "encrypted"

// Options configure the middleware. Only Key is required.
type Options struct {
	// Key seals new values (and opens them). Required.
	Key string
	// FallbackKeys open values sealed with earlier keys (key rotation); they never
	// seal. Default: none.
	FallbackKeys []string
	// EventField is the field of event data whose value is encrypted in sent
	// events and decrypted in received ones. Default: DefaultEventField.
	EventField string
	// DecryptOnly opens values but seals nothing: the first step when the
	// middleware is rolled out to services that may receive encrypted values
	// before every producer seals them.
	DecryptOnly bool
	// PlainOutput leaves the function's own result in clear (as the JavaScript
	// middleware does); step results are sealed still. Default: sealed, as the
	// Python middleware does.
	PlainOutput bool
}

// New returns the encryption middleware. Register it on the client
// (inngest.ClientOptions.Middleware) to seal every function's steps and the
// events the client sends, or on one function (inngest.FunctionOpts.Middleware).
// Register it first so that it is the outermost middleware: it seals what the
// others produced and opens before they see values.
func New(opts Options) (*inngest.Middleware, error) {
	box, err := NewBox(opts.Key, opts.FallbackKeys...)
	if err != nil {
		return nil, err
	}
	field := opts.EventField
	if field == "" {
		field = DefaultEventField
	}
	m := &mw{box: box, field: field}
	out := &inngest.Middleware{
		Name:              "encryption",
		TransformInput:    m.input,
		TransformStepMemo: m.open,
	}
	if !opts.DecryptOnly {
		out.TransformStepOutput = m.seal
		out.TransformSend = m.send
		if !opts.PlainOutput {
			out.TransformOutput = func(ctx context.Context, call inngest.CallInfo, v json.RawMessage) (json.RawMessage, error) {
				return m.sealValue(v)
			}
		}
	}
	return out, nil
}

type mw struct {
	box   *Box
	field string
}

func (m *mw) open(_ context.Context, _ inngest.CallInfo, _ inngest.StepInfo, v json.RawMessage) (json.RawMessage, error) {
	return m.box.Open(v)
}

func (m *mw) seal(_ context.Context, _ inngest.CallInfo, _ inngest.StepInfo, v json.RawMessage) (json.RawMessage, error) {
	return m.sealValue(v)
}

// sealValue seals v unless it is null or already sealed.
func (m *mw) sealValue(v json.RawMessage) (json.RawMessage, error) {
	if isNull(v) || IsSealed(v) {
		return v, nil
	}
	return m.box.Seal(v)
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

// input opens a received event's data: the whole data when it is sealed (its
// other keys, such as an invocation's "_inngest", are kept), else the event
// field when it is sealed.
func (m *mw) input(_ context.Context, _ inngest.CallInfo, data json.RawMessage) (json.RawMessage, error) {
	if !bytes.Contains(data, []byte(markerEncrypted)) {
		return data, nil
	}
	var obj map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(data, &obj); err != nil {
		return data, nil
	}
	if IsSealed(data) {
		plain, err := m.box.Open(data)
		if err != nil {
			return nil, fmt.Errorf("event data: %w", err)
		}
		var inner map[string]json.RawMessage
		if err := jsoncodec.Unmarshal(plain, &inner); err != nil {
			return nil, fmt.Errorf("event data: the decrypted data is not an object: %w", err)
		}
		for _, k := range []string{markerEncrypted, markerStrategy, "data"} {
			delete(obj, k)
		}
		for k, v := range inner {
			obj[k] = v
		}
		return jsoncodec.Marshal(obj)
	}
	v, ok := obj[m.field]
	if !ok || !IsSealed(v) {
		return data, nil
	}
	plain, err := m.box.Open(v)
	if err != nil {
		return nil, fmt.Errorf("event field %q: %w", m.field, err)
	}
	obj[m.field] = plain
	return jsoncodec.Marshal(obj)
}

// send seals the event field of an event on its way out.
func (m *mw) send(_ context.Context, ev *events.Envelope) error {
	if len(ev.Data) == 0 || !bytes.Contains(ev.Data, []byte(`"`+m.field+`"`)) {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(ev.Data, &obj); err != nil {
		return nil
	}
	v, ok := obj[m.field]
	if !ok || isNull(v) || IsSealed(v) {
		return nil
	}
	s, err := m.box.Seal(v)
	if err != nil {
		return err
	}
	obj[m.field] = s
	data, err := jsoncodec.Marshal(obj)
	if err != nil {
		return err
	}
	ev.Data = data
	return nil
}
