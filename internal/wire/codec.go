package wire

import "encoding/json"

// Marshal and Unmarshal are the codec for protocol envelopes and users' values. They
// keep encoding/json semantics (struct tags, json.Marshaler, json.Unmarshaler); they
// are variables so that a faster codec with the same semantics can be swapped in.
var (
	Marshal   = json.Marshal
	Unmarshal = json.Unmarshal
)
