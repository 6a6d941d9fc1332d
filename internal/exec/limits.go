package exec

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// responseBudget is the largest body the SDK answers a call with: the server's
// limit (wire.MaxResponseBytes; it fails a larger response as a whole) less
// room for the keep-alive stream's envelope and spaces (§4.4).
const responseBudget = wire.MaxResponseBytes - 64<<10

// maxErrorText bounds a reported error's message and its stack each, so that
// an error op (and an error body) always fits the server's limits.
const maxErrorText = 256 << 10

// Error names of the ops that replace a step too large for the server.
const (
	nameOutputTooLarge   = "StepOutputTooLarge"
	nameInputTooLarge    = "StepInputTooLarge"
	nameResponseTooLarge = "StepResponseTooLarge"
)

// boundOp returns op when the server accepts its size. A step error too large
// (a huge message, stack or data) loses its data and has its message and stack
// shortened; any other op whose output or input is over the server's limit
// becomes a StepFailed of the same step saying so: the server would fail the
// whole response, then every retry of it, for an output that does not change.
func boundOp(op wire.Op) wire.Op {
	err := wire.CheckOpSize(&op)
	if err == nil {
		return op
	}
	if (op.Op == wire.OpStepError || op.Op == wire.OpStepFailed) && op.Error != nil {
		e := *op.Error
		e.Data, e.Cause = nil, nil
		e.Message, e.Stack = truncateText(e.Message), truncateText(e.Stack)
		op.Error = &e
		return op
	}
	name := nameOutputTooLarge
	if errors.Is(err, wire.ErrStepInputTooLarge) {
		name = nameInputTooLarge
	}
	return failedOp(op, name, err.Error()+"; store large values elsewhere (a blob store) and return a reference")
}

// failedOp is the StepFailed that replaces op.
func failedOp(op wire.Op, name, msg string) wire.Op {
	return wire.Op{Op: wire.OpStepFailed, ID: op.ID, Name: op.Name, DisplayName: op.DisplayName, Timing: op.Timing, Userland: op.Userland,
		Error: &wire.MemoError{Name: name, Message: msg}}
}

// truncateText cuts s to maxErrorText bytes, on a rune boundary.
func truncateText(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " …(truncated)"
}

// encodeOps encodes ops as a 206 body of at most responseBudget bytes: the
// longest prefix that fits (ops are in report order: buffered steps first,
// then parallel branches by position). It returns the body and how many ops it
// holds. The ops left out are not reported: the server calls again, and the
// next call runs those steps again (their results were never persisted). A
// first op that does not fit alone (an input and an output both near their
// limits) is replaced by a StepFailed saying so.
func encodeOps(ops []wire.Op) ([]byte, int, error) {
	body, err := jsoncodec.Marshal(ops)
	if err != nil || len(body) <= responseBudget {
		return body, len(ops), err
	}
	body = append(body[:0], '[')
	kept := 0
	for _, op := range ops {
		b, err := jsoncodec.Marshal(op)
		if err != nil {
			return nil, 0, err
		}
		if len(body)+1+len(b)+1 > responseBudget {
			break
		}
		if kept > 0 {
			body = append(body, ',')
		}
		body = append(body, b...)
		kept++
	}
	if kept == 0 {
		op := failedOp(ops[0], nameResponseTooLarge, fmt.Sprintf(
			"inngest: step %q alone makes a response over the server's limit of %d bytes (its input and output together)", ops[0].Name, wire.MaxResponseBytes))
		b, err := jsoncodec.Marshal(op)
		if err != nil {
			return nil, 0, err
		}
		ops[0] = op
		body = append(append(body, b...), ']')
		return body, 1, nil
	}
	return append(body, ']'), kept, nil
}
