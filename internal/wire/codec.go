package wire

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// DecodeCallRequest decodes a call request body into req, like jsoncodec.Unmarshal, except
// that the memoized step values in req.Steps are not copied: each is a slice of body
// (which the caller must then leave unchanged while req is in use). The whole body is
// still validated, and the result is the one Unmarshal gives.
func DecodeCallRequest(body []byte, req *CallRequest) error {
	lazy := lazyCallRequest{CallRequest: req, Steps: rawSteps{req: req}}
	return jsoncodec.UnmarshalWire(body, &lazy)
}

// lazyCallRequest shadows CallRequest.Steps (the shallower field wins for the
// "steps" key) with a decoder that slices the steps object instead of copying it.
type lazyCallRequest struct {
	*CallRequest
	Steps rawSteps `json:"steps"`
}

// rawSteps decodes the steps object into req.Steps.
type rawSteps struct{ req *CallRequest }

var stepsType = reflect.TypeFor[map[string]json.RawMessage]()

// UnmarshalJSON receives the steps value as a slice of the body, already validated
// by the codec (which must parse a value to find its end before handing it over).
func (s *rawSteps) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case 'n': // null leaves a map nil, as encoding/json does
		s.req.Steps = nil
		return nil
	case '{':
	default:
		return &json.UnmarshalTypeError{Value: kindOf(b[0]), Type: stepsType, Field: "steps"}
	}
	m := s.req.Steps
	if m == nil {
		// The stack lists every memoized hash; canonical bodies put ctx before steps.
		m = make(map[string]json.RawMessage, len(s.req.Ctx.Stack.Stack))
	}
	i := skipSpace(b, 1)
	for b[i] != '}' {
		kEnd := skipString(b, i)
		key, err := objectKey(b[i:kEnd])
		if err != nil {
			return err
		}
		i = skipSpace(b, kEnd)
		i = skipSpace(b, i+1) // ':'
		vEnd := skipValue(b, i)
		m[key] = json.RawMessage(b[i:vEnd:vEnd])
		i = skipSpace(b, vEnd)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	s.req.Steps = m
	return nil
}

func kindOf(c byte) string {
	switch c {
	case '"':
		return "string"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// objectKey returns the key of a quoted JSON string q. Plain printable ASCII (step
// hashes always are) is used as is; anything else goes through the codec so that
// escapes and invalid UTF-8 decode exactly as encoding/json decodes them.
func objectKey(q []byte) (string, error) {
	plain := true
	for _, c := range q[1 : len(q)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(q[1 : len(q)-1]), nil
	}
	var k string
	err := jsoncodec.Unmarshal(q, &k)
	return k, err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string that starts at b[i] ('"'). b must
// be valid JSON.
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for k := i - 1; b[k] == '\\'; k-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
}

// skipValue returns the index after the value that starts at b[i]. b must be valid
// JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
