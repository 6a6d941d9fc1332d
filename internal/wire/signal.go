package wire

import "encoding/json"

// WaitForSignalOpts are the opts of a WaitForSignal op (server
// state.SignalOpts).
type WaitForSignalOpts struct {
	// Signal is the signal's name.
	Signal string `json:"signal"`
	// Timeout is a time string; empty means one year.
	Timeout string `json:"timeout"`
	// Conflict is "fail" (the default) or "replace".
	Conflict string `json:"conflict,omitempty"`
}

// Conflict policies of a WaitForSignal op.
const (
	SignalConflictFail    = "fail"
	SignalConflictReplace = "replace"
)

// SignalRequest is the body of POST /v1/signals.
type SignalRequest struct {
	Signal string          `json:"signal"`
	Data   json.RawMessage `json:"data"`
}

// SignalResult is the memoized value of a WaitForSignal step that received
// its signal, inside {"data": ...}; a wait that timed out is memoized as null.
type SignalResult struct {
	Signal string          `json:"signal"`
	Data   json.RawMessage `json:"data"`
}

// SignalResponse is the data of a 200 answer to POST /v1/signals.
type SignalResponse struct {
	RunID string `json:"run_id"`
}
