package inngest

import (
	"time"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Trigger is one or more ways to start a function whose events carry data of type T.
// Build it with OnEvent, OnEventIf, OnCron, OnFunctionFailed, InvokeOnly, and combine
// several with Triggers.
type Trigger[T any] struct {
	specs  []wire.Trigger
	decode func(raw []byte) (events.Event[T], error)
	// lax decodes without schema validation: for a run that already started, whose
	// event was accepted by an earlier call.
	lax func(raw []byte) (events.Event[T], error)
	// validate holds, per event name, the schema check of its definition; used when
	// triggers of several definitions are combined.
	validate map[string]func(T) error
	// invokeOnly is set by InvokeOnly: no triggers on purpose.
	invokeOnly bool
}

// OnEvent triggers on every event of def. Received data is validated against def's
// schema unless def was defined WithoutValidation.
func OnEvent[T any](def events.Definition[T]) Trigger[T] {
	return Trigger[T]{specs: []wire.Trigger{{Event: def.EventName()}}, decode: def.Decode, lax: decodePlain[T],
		validate: map[string]func(T) error{def.EventName(): def.Validate}}
}

// OnEventIf triggers on events of def for which the CEL expression over event is true,
// e.g. `event.data.plan == "pro"`.
func OnEventIf[T any](def events.Definition[T], expression string) Trigger[T] {
	return Trigger[T]{specs: []wire.Trigger{{Event: def.EventName(), Expression: expression}}, decode: def.Decode, lax: decodePlain[T],
		validate: map[string]func(T) error{def.EventName(): def.Validate}}
}

// CronData is the data of the inngest/scheduled.timer event that starts a cron run.
type CronData struct {
	Cron        string    `json:"cron"`
	ScheduledAt time.Time `json:"scheduledAt"`
	FireAt      time.Time `json:"fireAt"`
}

// OnCron triggers on a schedule: 5 fields (minute hour day-of-month month
// day-of-week), optionally prefixed with "TZ=<IANA zone> ", e.g.
// "TZ=Europe/Paris 0 9 * * 1-5".
func OnCron(spec string) Trigger[CronData] {
	return Trigger[CronData]{specs: []wire.Trigger{{Cron: spec}}, decode: decodePlain[CronData]}
}

// OnCronAs is OnCron for a function whose other triggers carry T: a cron run gets an
// event whose data decodes into T as far as the timer's fields allow.
func OnCronAs[T any](spec string) Trigger[T] {
	return Trigger[T]{specs: []wire.Trigger{{Cron: spec}}, decode: decodePlain[T]}
}

// InvokeOnly is a function with no trigger: it runs only through step.Invoke.
func InvokeOnly[T any]() Trigger[T] {
	return Trigger[T]{decode: decodePlain[T], invokeOnly: true}
}

// Triggers combines several triggers of the same data type into one.
func Triggers[T any](ts ...Trigger[T]) Trigger[T] {
	if len(ts) == 1 {
		return ts[0]
	}
	out := Trigger[T]{validate: map[string]func(T) error{}}
	for _, t := range ts {
		out.specs = append(out.specs, t.specs...)
		for name, v := range t.validate {
			out.validate[name] = v
		}
		out.invokeOnly = out.invokeOnly || t.invokeOnly
	}
	validate := out.validate
	out.lax = decodePlain[T]
	out.decode = func(raw []byte) (events.Event[T], error) {
		ev, err := decodePlain[T](raw)
		if err != nil {
			return ev, err
		}
		if v := validate[ev.Name]; v != nil {
			err = v(ev.Data)
		}
		return ev, err
	}
	return out
}

// plainEvent is an event as decoded without validation; its user field shadows
// Event's so that the (usually empty) user object gets a map sized for its keys.
type plainEvent[T any] struct {
	events.Event[T]
	User jsoncodec.Object `json:"user,omitempty"`
}

// decodePlain decodes an event without schema validation.
func decodePlain[T any](raw []byte) (events.Event[T], error) {
	var w plainEvent[T]
	err := jsoncodec.Unmarshal(raw, &w)
	w.Event.User = w.User
	return w.Event, err
}

// decoder returns the trigger's decoding function: with schema validation for a
// run's first call, without it once the run started (a deploy that adds a
// required field must not fail the runs in flight).
func (t Trigger[T]) decoder(started bool) func(raw []byte) (events.Event[T], error) {
	if started && t.lax != nil {
		return t.lax
	}
	if t.decode == nil {
		return decodePlain[T]
	}
	return t.decode
}
