package durable

import (
	"errors"
	"net/http"
)

// DefaultMaxAttempts is the number of attempts a failing step gets when
// Options.MaxAttempts is 0: the platform's default of four retries.
const DefaultMaxAttempts = 5

// MaxRequestBody is the largest request body Handler accepts (4 MiB, the
// server's limit for the request that creates a run, which carries the body).
const MaxRequestBody = 4 << 20

// Errors the handler answers with. Each is sent to the client as a plain-text
// body with the status named here.
var (
	// ErrBodyTooLarge: the request body is over MaxRequestBody (413).
	ErrBodyTooLarge = errors.New("inngest: request body too large for a durable endpoint")
	// ErrCheckpoint: the request could not finish inline and Inngest could not
	// be told to finish it (503); the steps that ran are not recorded.
	ErrCheckpoint = errors.New("inngest: could not hand the request over to Inngest")
	// ErrResumeSignature: a call carrying X-Run-Id failed signature
	// verification in cloud mode (401).
	ErrResumeSignature = errors.New("inngest: invalid signature on a resumed durable endpoint call")
	// ErrResumeState: a call from Inngest resuming a run could not load the
	// run's steps (500, retried by Inngest).
	ErrResumeState = errors.New("inngest: could not load the run's steps")
)

// Options configures Handler. The zero value works.
type Options struct {
	// FunctionID is the function the runs belong to in Inngest. Default "":
	// the server names it after each request, "METHOD /path", so a path
	// holding an identifier (/orders/123) makes a function per identifier; set
	// it for such routes.
	FunctionID string

	// MaxAttempts is how many times a failing step, or the handler after a
	// panic outside steps, is tried in all, the first try included. Default 0
	// means DefaultMaxAttempts (5); 1 means no retry: a failing step fails
	// for good (the handler gets its error in the call that continues the
	// run), and a panic answers 500 and ends the run as failed.
	MaxAttempts int

	// OmitRequestBody keeps the request body out of Inngest. Default false:
	// the body is stored with the run, because Inngest sends it again when it
	// finishes the run asynchronously. When true, the handler sees an empty
	// body in those calls.
	OmitRequestBody bool

	// OnAsync writes the answer to the client when the request is handed over
	// to Inngest to finish asynchronously. Default nil: 303 See Other to
	// Async.OutputURL when Inngest returned one (a URL on the Inngest API that
	// waits for the run and answers with its response body), else 202
	// Accepted with {"run_id": "..."}.
	OnAsync func(w http.ResponseWriter, r *http.Request, a Async)
}

// Async describes a request handed over to Inngest.
type Async struct {
	// RunID is the run's ID.
	RunID string
	// OutputURL waits for the run to end and answers with its result; ""
	// when Inngest returned no token for it.
	OutputURL string
	// Reason is why the request could not finish inline: "step error",
	// "panic", "cancelled", "wait" (a step that waits), or "checkpoint" (a
	// checkpoint failed mid-request).
	Reason string
}

func (o Options) maxAttempts() int {
	if o.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return o.MaxAttempts
}
