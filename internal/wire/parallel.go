package wire

import (
	"bytes"
	"encoding/json"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// ParallelModeRace is the "parallelMode" opt of the ops of a race's branches
// (server enums.ParallelModeRace, spelled as the JavaScript SDK's
// group.parallel({mode: "race"}) sends it): the server makes a discovery call as
// soon as each of them ends instead of waiting for the whole parallel group.
const ParallelModeRace = "race"

// OptParallelMode is the opts key that holds an op's parallel mode.
const OptParallelMode = "parallelMode"

// WithParallelMode returns opts with "parallelMode" set to mode. Opts that are not
// a JSON object (absent or null) become {"parallelMode": mode}.
func WithParallelMode(opts json.RawMessage, mode string) json.RawMessage {
	m := map[string]json.RawMessage{}
	if t := bytes.TrimSpace(opts); len(t) > 0 && t[0] == '{' {
		if err := jsoncodec.Unmarshal(t, &m); err != nil {
			m = map[string]json.RawMessage{}
		}
	}
	v, _ := jsoncodec.Marshal(mode)
	m[OptParallelMode] = v
	out, err := jsoncodec.Marshal(m)
	if err != nil {
		return opts
	}
	return out
}

// ParallelModeOf returns the "parallelMode" opt of an op ("" when absent or not
// a string), as the server reads it (GeneratorOpcode.ParallelMode).
func ParallelModeOf(opts json.RawMessage) string {
	if len(opts) == 0 || !bytes.Contains(opts, []byte(`"`+OptParallelMode+`"`)) {
		return ""
	}
	var o struct {
		Mode any `json:"parallelMode"`
	}
	if jsoncodec.Unmarshal(opts, &o) != nil {
		return ""
	}
	s, _ := o.Mode.(string)
	return s
}
