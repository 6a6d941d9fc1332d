package step

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Memoized step state, as the server hands it back in a call's "steps", is
// what the SDK that ran the step (this one, the official Go SDK inngestgo, or
// the JavaScript SDK) reported, wrapped by the server. A run started by another
// SDK replays here when every tool decodes every shape those SDKs write:
//
//	kind              writer                        memo                                 decoded to
//	Run, Wrap         all (StepRun op)              {"data": v}                          v
//	Run               JS v0 ("Step" op), API        v (bare), {"type":"data","data":v}   v
//	Run, Invoke, ...  all (StepFailed, invoke fail) {"error": {name,message,stack,…}}    *inngest.StepError
//	                  JS (error not an object)      {"error": "text"}                    StepError{Name:"Error",Message:"text"}
//	                  server (invoke timeout)       {"error": {"error":…,"message":…}}   StepError (message, else error)
//	SendEvent         this SDK, inngestgo SendMany  {"data": ["id", …]}                  the ids
//	                  inngestgo step.Send           {"data": "id"}                       ["id"]
//	                  JS step.sendEvent             {"data": {"ids": ["id", …]}}         the ids
//	Sleep             server                        null, any value                      done
//	WaitForEvent      server                        the event object (not wrapped)       the event, true
//	                                                {"data": event} (strict wrapper)     the event, true
//	                                                null                                 timed out: false
//	WaitForSignal     server                        {"data": {"signal":…,"data":…}}      the signal, true
//	                                                null                                 timed out: false
//	Invoke            server                        {"data": result}                     result
//	Fetch, Infer      server                        {"data": response}, bare response    the response
//
// A present key with an empty value is read as null. The rule for Run-like
// memos is the JavaScript SDK's (an object whose only keys are "data" or
// "error", with "type" and "input" allowed beside them, is a wrapper; any
// other value is the data itself), which also covers what inngestgo accepts
// for the memos servers write.

// unwrapMemo splits a Run-like memo into its data (nil when absent) or its
// error. A value that is not a wrapper is the data itself.
func unwrapMemo(raw []byte) (json.RawMessage, *wire.MemoError, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil, nil
	}
	if raw[0] != '{' {
		return raw, nil, nil
	}
	var obj map[string]json.RawMessage
	if err := jsoncodec.Unmarshal(raw, &obj); err != nil {
		return nil, nil, err
	}
	data, hasData := obj["data"]
	errv, hasErr := obj["error"]
	if !hasData && !hasErr {
		return raw, nil, nil
	}
	if !onlyKeys(obj, "data", "error", "type", "input") {
		return raw, nil, nil // not a wrapper: a value that has a "data" or "error" field
	}
	if hasErr && string(bytes.TrimSpace(errv)) != "null" {
		return nil, decodeMemoError(errv), nil
	}
	if !hasData {
		return nil, nil, nil
	}
	return data, nil, nil
}

// decodeMemoError reads a memoized error leniently: the fields that have the
// expected JSON type are kept, a string is the message, and the name defaults
// to "Error" and the message to the server's "error" field (JavaScript SDK
// rule).
func decodeMemoError(raw json.RawMessage) *wire.MemoError {
	var s string
	if jsoncodec.Unmarshal(raw, &s) == nil {
		return &wire.MemoError{Name: "Error", Message: s}
	}
	var fields map[string]json.RawMessage
	_ = jsoncodec.Unmarshal(raw, &fields)
	str := func(k string) string {
		var v string
		_ = jsoncodec.Unmarshal(fields[k], &v)
		return v
	}
	e := &wire.MemoError{Name: str("name"), Message: str("message"), Stack: str("stack"), Error: str("error")}
	if d, ok := fields["data"]; ok && string(d) != "null" {
		e.Data = d
	}
	if c, ok := fields["cause"]; ok && string(c) != "null" {
		e.Cause = c
	}
	if e.Name == "" {
		e.Name = "Error"
	}
	if e.Message == "" {
		e.Message = e.Error
	}
	if e.Message == "" {
		e.Message = "Unknown error"
	}
	return e
}

// strictData returns v when raw is exactly a {"data": v} wrapper (with an
// optional "type"), else raw: a WaitForEvent memo is the event object itself,
// which has more keys than that.
func strictData(raw []byte) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !bytes.Contains(raw, []byte(`"data"`)) {
		return raw
	}
	var obj map[string]json.RawMessage
	if jsoncodec.Unmarshal(raw, &obj) != nil {
		return raw
	}
	data, ok := obj["data"]
	if !ok {
		return raw
	}
	if !onlyKeys(obj, "data", "type") {
		return raw
	}
	return data
}

// onlyKeys reports whether every key of obj is one of allowed: what tells a
// memo wrapper from a user value that happens to have a "data" field.
func onlyKeys(obj map[string]json.RawMessage, allowed ...string) bool {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

// dataOnly returns what lies between `{"data":` and the closing brace of raw.
// It is the data of a compact {"data": v} memo when it decodes as one JSON value
// (a second key would put a comma at its top level).
func dataOnly(raw []byte) ([]byte, bool) {
	const prefix = `{"data":`
	if len(raw) < len(prefix)+2 || string(raw[:len(prefix)]) != prefix || raw[len(raw)-1] != '}' {
		return nil, false
	}
	return raw[len(prefix) : len(raw)-1], true
}
