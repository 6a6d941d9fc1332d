package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Size limits of the Inngest server (pkg/consts in its source, §4.3).
const (
	// MaxStepOutputBytes is consts.MaxStepOutputSize: an op whose output, as
	// the server stores it (OutputSize), is larger fails the whole response
	// ("error validating generator opcode") and a checkpoint holding it is
	// refused with 413.
	MaxStepOutputBytes = 4 << 20
	// MaxStepInputBytes is consts.MaxStepInputSize, the limit of an op's input
	// (InputSize).
	MaxStepInputBytes = 4 << 20
	// MaxResponseBytes is consts.MaxSDKResponseBodySize: the server reads at
	// most this much of an SDK response; a larger one is an output_too_large
	// error of the call (retried like any failed call), whatever it holds.
	MaxResponseBytes = MaxStepOutputBytes + MaxStepInputBytes
)

// Errors of CheckOpSize, worded as the server's (state.ErrStepOutputTooLarge
// and state.ErrStepInputTooLarge).
var (
	ErrStepOutputTooLarge = errors.New("inngest: step output size is greater than the limit")
	ErrStepInputTooLarge  = errors.New("inngest: step input size is greater than the limit")
)

// CheckOpSize returns an error wrapping ErrStepOutputTooLarge or
// ErrStepInputTooLarge when op's output or input, measured as the server
// measures them (GeneratorOpcode.Output and Input), is over its limit. The
// common case, an op far below the limits, costs a few length checks.
func CheckOpSize(op *Op) error {
	if n := OutputSize(op); n > MaxStepOutputBytes {
		return fmt.Errorf("%w: step %q output is %d bytes, the limit is %d", ErrStepOutputTooLarge, op.Name, n, MaxStepOutputBytes)
	}
	if n := InputSize(op); n > MaxStepInputBytes {
		return fmt.Errorf("%w: step %q input is %d bytes, the limit is %d", ErrStepInputTooLarge, op.Name, n, MaxStepInputBytes)
	}
	return nil
}

// escapeGrowth is the most encoding/json can grow a compact JSON value by
// re-encoding it: '<', '>' and '&' become 6-byte \u escapes.
const escapeGrowth = 6

// OutputSize is the size of op's output as the server stores it: a StepRun's
// data wrapped as {"data": …}, a StepError's or StepFailed's error as
// {"error": …}, any other op's data as is, each re-encoded by encoding/json
// (which escapes '<', '>' and '&' in it). A value short enough that no escaping
// could take it over the limit is not encoded: its length is returned as is.
func OutputSize(op *Op) int {
	switch op.Op {
	case OpStepError, OpStepFailed:
		if op.Error == nil {
			return len(`{"error":null}`)
		}
		b, err := jsoncodec.Marshal(map[string]*MemoError{"error": op.Error})
		if err != nil {
			return 0
		}
		return len(b)
	case OpStepRun:
		return wrappedSize("data", op.Data)
	}
	if len(op.Data) == 0 {
		return 0
	}
	return encodedSize(op.Data)
}

// InputSize is the size of op's input as the server reads it: a StepRun's
// opts.input, an AIGateway's opts.body (the request to the model), 0 for
// other ops.
func InputSize(op *Op) int {
	if len(op.Opts)*escapeGrowth <= MaxStepInputBytes {
		return len(op.Opts) // the input is a part of opts: it cannot be over the limit
	}
	var o struct {
		Input json.RawMessage `json:"input"`
		Body  json.RawMessage `json:"body"`
	}
	if jsoncodec.Unmarshal(op.Opts, &o) != nil {
		return 0
	}
	switch op.Op {
	case OpStepRun, OpStep:
		return encodedSize(o.Input)
	case OpAIGateway:
		return len(o.Body)
	}
	return 0
}

// wrappedSize is the size of {"key": raw} as encoding/json writes it.
func wrappedSize(key string, raw json.RawMessage) int {
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	over := len(key) + len(`{"":}`)
	if len(raw)*escapeGrowth+over <= MaxStepOutputBytes {
		return len(raw) + over
	}
	if n := escapedLen(raw) + over; n <= MaxStepOutputBytes {
		return n // exact for compact JSON, an upper bound otherwise
	}
	b, err := jsoncodec.Marshal(map[string]json.RawMessage{key: raw})
	if err != nil {
		return len(raw) + over
	}
	return len(b)
}

// encodedSize is the size of raw re-encoded by encoding/json.
func encodedSize(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	if len(raw)*escapeGrowth <= MaxStepOutputBytes {
		return len(raw)
	}
	if n := escapedLen(raw); n <= MaxStepOutputBytes {
		return n
	}
	b, err := jsoncodec.Marshal(raw)
	if err != nil {
		return len(raw)
	}
	return len(b)
}

// escapedLen is the length of raw once encoding/json escapes it ('<', '>', '&'
// as \u003c…, U+2028 and U+2029 as \u2028…): exact for compact JSON, and an
// upper bound otherwise (encoding/json also drops insignificant spaces). It
// is a few vectorised byte counts, no allocation.
func escapedLen(raw []byte) int {
	n := len(raw)
	n += 5 * (bytes.Count(raw, []byte{'<'}) + bytes.Count(raw, []byte{'>'}) + bytes.Count(raw, []byte{'&'}))
	n += 3 * (bytes.Count(raw, []byte("\u2028")) + bytes.Count(raw, []byte("\u2029")))
	return n
}
