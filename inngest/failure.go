package inngest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/events"
	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// FunctionError is the error of a failed run, as the server reports it.
type FunctionError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
	// Error is the server's classification (for example "NonRetriableError").
	Error string `json:"error,omitempty"`
}

// FunctionFailed is the data of the inngest/function.failed event the server emits
// when a run fails for good.
type FunctionFailed struct {
	// FunctionID is the full id of the function that failed.
	FunctionID string `json:"function_id"`
	// RunID is the failed run.
	RunID string `json:"run_id"`
	// Error describes the failure.
	Error FunctionError `json:"error"`
	// Event is the event that started the failed run, with raw data.
	Event events.Event[json.RawMessage] `json:"event"`
	// Events holds every event of the failed run (batches).
	Events []events.Event[json.RawMessage] `json:"events,omitempty"`
	// Result is the failed call's response body, when the server attached it.
	Result json.RawMessage `json:"result,omitempty"`
}

// FunctionFailedEvent is the definition of inngest/function.failed.
var FunctionFailedEvent = events.Internal[FunctionFailed](wire.EventFunctionFailed)

// OnFunctionFailed triggers on the failure of any function of the environment: a
// global failure handler. Narrow it with OnEventIf(FunctionFailedEvent, "…").
func OnFunctionFailed() Trigger[FunctionFailed] {
	return OnEvent(FunctionFailedEvent)
}

// FailureInput is what a per-function failure handler receives.
type FailureInput[T any] struct {
	// Event is the event that started the failed run, decoded as T.
	Event events.Event[T]
	// Error describes the failure.
	Error FunctionError
	// RunID is the failed run's id.
	RunID string
	// FunctionID is the failed function's full id.
	FunctionID string
}

// FailureHandler handles the final failure of a run of a function.
type FailureHandler[T any] func(ctx context.Context, in FailureInput[T]) error

// FunctionOption is an optional part of a function that depends on its event type
// T, given to NewFunction after the handler: OnFailure. The zero value does nothing.
type FunctionOption[T any] struct {
	onFailure FailureHandler[T]
}

// OnFailure makes h run once when a run of the function fails for good (retries
// exhausted or a non-retriable error). It is served as a companion function,
// "<id>-failure", triggered by inngest/function.failed for this function only, as the
// server expects:
//
//	fn, err := inngest.NewFunction(c, opts, inngest.OnEvent(orderPlaced), charge,
//		inngest.OnFailure(func(ctx context.Context, in inngest.FailureInput[Order]) error { … }))
func OnFailure[T any](h FailureHandler[T]) FunctionOption[T] {
	return FunctionOption[T]{onFailure: h}
}

// failureFunction builds the companion function that runs h for f.
func (f *Function[T, R]) failureFunction(h FailureHandler[T]) *exec.Function {
	id := f.ID()
	zero := 0
	cfg := wire.Function{
		ID:   id + "-failure",
		Name: f.Name() + " (failure)",
		Triggers: []wire.Trigger{{
			Event:      wire.EventFunctionFailed,
			Expression: fmt.Sprintf("event.data.function_id == '%s'", id),
		}},
		Retries: &zero,
		Steps:   map[string]wire.Step{"step": {ID: "step", Name: f.Name() + " (failure)", Retries: &wire.StepRetries{Attempts: 0}}},
	}
	return &exec.Function{
		Config:     cfg,
		Checkpoint: f.fn.Checkpoint,
		Hooks:      f.fn.Hooks,
		Handler: func(ctx context.Context, in *exec.Input) ([]byte, error) {
			var ev events.Event[FunctionFailed]
			if err := jsoncodec.Unmarshal(in.Event, &ev); err != nil {
				return nil, &exec.FnError{Err: err, Name: "EventDecodeError", Message: "inngest: decoding function.failed event: " + err.Error(), NoRetry: true}
			}
			orig := events.Event[T]{ID: ev.Data.Event.ID, Name: ev.Data.Event.Name, TS: ev.Data.Event.TS, User: ev.Data.Event.User}
			if len(ev.Data.Event.Data) > 0 {
				data := ev.Data.Event.Data
				if f.mw != nil { // the failed run's event data goes through TransformInput too
					_, ci := exec.HooksFrom(ctx)
					var err error
					if data, err = f.mw.inputData(ctx, ci, data); err != nil {
						return nil, &exec.FnError{Err: err, Name: "MiddlewareError", Message: err.Error(), NoRetry: true}
					}
				}
				if err := jsoncodec.Unmarshal(data, &orig.Data); err != nil {
					return nil, &exec.FnError{Err: err, Name: "EventDecodeError", Message: "inngest: decoding the failed run's event: " + err.Error(), NoRetry: true}
				}
			}
			err := h(ctx, FailureInput[T]{Event: orig, Error: ev.Data.Error, RunID: ev.Data.RunID, FunctionID: ev.Data.FunctionID})
			if err != nil {
				return nil, classify(err)
			}
			return []byte("null"), nil
		},
	}
}
