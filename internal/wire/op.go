package wire

import (
	"encoding/json"
	"strings"
)

// Opcode is the op string of a generator opcode (§5.2).
type Opcode string

// Opcodes the SDK sends and the engine accepts: the server's enum
// (pkg/enums/opcode.go), the one list of op names in this module.
const (
	OpStepRun          Opcode = "StepRun"
	OpStep             Opcode = "Step"
	OpStepError        Opcode = "StepError"
	OpStepFailed       Opcode = "StepFailed"
	OpStepPlanned      Opcode = "StepPlanned"
	OpSleep            Opcode = "Sleep"
	OpWaitForEvent     Opcode = "WaitForEvent"
	OpInvokeFunction   Opcode = "InvokeFunction"
	OpGateway          Opcode = "Gateway"
	OpAIGateway        Opcode = "AIGateway"
	OpWaitForSignal    Opcode = "WaitForSignal"
	OpRunComplete      Opcode = "RunComplete"
	OpDiscoveryRequest Opcode = "DiscoveryRequest"
	OpNone             Opcode = "None"
	// OpSyncRunComplete ends a durable endpoint's run (sent by no SDK here).
	OpSyncRunComplete Opcode = "SyncRunComplete"
	// OpDeferAdd and OpDeferAbort are lazy ops: they report no step.
	OpDeferAdd   Opcode = "DeferAdd"
	OpDeferAbort Opcode = "DeferAbort"
)

// opcodes maps each opcode's lower-case spelling to the opcode.
var opcodes = func() map[string]Opcode {
	m := map[string]Opcode{}
	for _, o := range []Opcode{OpStepRun, OpStep, OpStepError, OpStepFailed, OpStepPlanned,
		OpSleep, OpWaitForEvent, OpInvokeFunction, OpGateway, OpAIGateway, OpWaitForSignal,
		OpRunComplete, OpDiscoveryRequest, OpNone, OpSyncRunComplete, OpDeferAdd, OpDeferAbort} {
		m[strings.ToLower(string(o))] = o
	}
	return m
}()

// ParseOpcode returns the opcode spelled s, matched case-insensitively as the
// server matches it ("aigateway" is OpAIGateway), and whether there is one.
func ParseOpcode(s string) (Opcode, bool) {
	o, ok := opcodes[strings.ToLower(s)]
	return o, ok
}

// Op is one generator opcode in a 206 response or a checkpoint request.
type Op struct {
	Op          Opcode          `json:"op"`
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	DisplayName string          `json:"displayName,omitempty"`
	Opts        json.RawMessage `json:"opts,omitempty"`
	Data        json.RawMessage `json:"data"`
	Error       *MemoError      `json:"error,omitempty"`
	Timing      *Timing         `json:"timing,omitempty"`
	Userland    *Userland       `json:"userland,omitempty"`
}

// Timing is the op's execution time: A is the start in Unix ns, B the duration in ns.
type Timing struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}

// Userland is display-only information on the developer's step id.
type Userland struct {
	ID    string `json:"id"`
	Index int    `json:"index,omitempty"`
}

// SleepOpts are the opts of a Sleep op.
type SleepOpts struct {
	Duration string `json:"duration"`
}

// WaitForEventOpts are the opts of a WaitForEvent op.
type WaitForEventOpts struct {
	Event   string `json:"event"`
	Timeout string `json:"timeout"`
	If      string `json:"if,omitempty"`
}

// InvokeOpts are the opts of an InvokeFunction op.
type InvokeOpts struct {
	FunctionID string        `json:"function_id"`
	Payload    InvokePayload `json:"payload"`
	Timeout    string        `json:"timeout,omitempty"`
}

// InvokePayload is the event payload handed to the invoked function.
type InvokePayload struct {
	Data json.RawMessage `json:"data"`
	User json.RawMessage `json:"user,omitempty"`
}

// RunOpts are the optional opts of a StepRun / StepPlanned op.
type RunOpts struct {
	Type  string          `json:"type,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

// CheckpointRequest is the body of POST {api}/v1/checkpoint/{run_id}/async (§9.1).
type CheckpointRequest struct {
	RunID            string `json:"run_id"`
	FnID             string `json:"fn_id"`
	QiID             string `json:"qi_id"`
	RequestID        string `json:"request_id,omitempty"`
	GenerationID     int    `json:"generation_id,omitempty"`
	TS               int64  `json:"ts,omitempty"`
	RequestStartedAt int64  `json:"request_started_at,omitempty"`
	Steps            []Op   `json:"steps"`
}

// StreamEnvelope is the final JSON of a keep-alive streamed response (§4.4).
type StreamEnvelope struct {
	Status  int               `json:"status"`
	Body    json.RawMessage   `json:"body"`
	Headers map[string]string `json:"headers,omitempty"`
}
