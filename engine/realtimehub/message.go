package realtimehub

import (
	"encoding/json"
	"time"
)

// Message kinds, as the server names them.
const (
	KindData            = "data"
	KindDataStreamStart = "datastream-start"
	KindDataStreamEnd   = "datastream-end"
	KindChunk           = "chunk"
	KindClosing         = "closing"
	KindSubscribe       = "sub"
	KindUnsubscribe     = "unsub"
)

// TopicStream is the topic the tee endpoint writes a channel's raw bytes to.
const TopicStream = "$stream"

// message is a published message in the server's field names and order.
type message struct {
	Kind      string          `json:"kind"`
	Data      json.RawMessage `json:"data"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Channel   string          `json:"channel,omitempty"`
	EnvID     string          `json:"env_id,omitempty"`
	Topic     string          `json:"topic"`
	RunID     string          `json:"run_id,omitempty"`
}

// chunk is one chunk of a stream, as the server writes it: no channel, topic
// or time.
type chunk struct {
	Kind     string `json:"kind"`
	StreamID string `json:"stream_id"`
	Data     string `json:"data"`
	RunID    string `json:"run_id,omitempty"`
}

// clientFrame is what a WebSocket subscriber may send: {"kind":"sub","data":
// "<token>"} or {"kind":"unsub","data":[topics]}.
type clientFrame struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}
