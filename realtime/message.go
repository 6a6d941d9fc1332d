package realtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// MaxMessageSize is the largest message body the server accepts for one
// publish (512 KiB). The server truncates a larger body; this package refuses
// to send one (ErrTooLarge) and the embedded engine answers 413.
const MaxMessageSize = 512 << 10

// ChunkSize is the size of the chunks the server cuts a streamed publish into.
const ChunkSize = 1024

// Kind is a message's kind, as the server names it.
type Kind string

// The server's message kinds.
const (
	// KindData is a message published on a channel's topic.
	KindData Kind = "data"
	// KindDataStreamStart starts a stream; Message.StreamID names it.
	KindDataStreamStart Kind = "datastream-start"
	// KindChunk is one chunk of a stream: Message.StreamID and Message.Chunk.
	KindChunk Kind = "chunk"
	// KindDataStreamEnd ends the stream named by Message.StreamID.
	KindDataStreamEnd Kind = "datastream-end"
	// KindStep is a step's output on the run's channel. Defined by the
	// server but not emitted by it (nor by the embedded engine).
	KindStep Kind = "step"
	// KindRun is a run's result on the run's channel. Defined by the server
	// but not emitted by it (nor by the embedded engine).
	KindRun Kind = "run"
	// KindClosing tells a subscriber the server is shutting down the
	// connection; the subscription reconnects.
	KindClosing Kind = "closing"
	// KindPing is a keepalive.
	KindPing Kind = "ping"
)

// Message is one realtime message, as a subscriber receives it.
type Message struct {
	// Kind is the message's kind.
	Kind Kind `json:"kind"`
	// Channel and Topic say where it was published. A chunk carries
	// neither: it belongs to the stream of its StreamID.
	Channel string `json:"channel,omitempty"`
	Topic   string `json:"topic,omitempty"`
	// Data is the published body: JSON, or a JSON string when the body was
	// not JSON. For datastream-start/end it is the stream id as a string.
	Data json.RawMessage `json:"data,omitempty"`
	// Metadata is the publish's metadata query parameter, if any.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// CreatedAt is when the server received the publish.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// EnvID is the environment's id.
	EnvID string `json:"env_id,omitempty"`
	// RunID is the run that published it, when the publisher said so.
	RunID string `json:"run_id,omitempty"`
	// FnID and FnSlug are set by the server on run-level messages.
	FnID   string `json:"fn_id,omitempty"`
	FnSlug string `json:"fn_slug,omitempty"`
	// StreamID names the stream of a datastream-start, chunk or
	// datastream-end message.
	StreamID string `json:"stream_id,omitempty"`
}

// Chunk returns a chunk message's text.
func (m Message) Chunk() string {
	if m.Kind != KindChunk {
		return ""
	}
	var s string
	if jsoncodec.Unmarshal(m.Data, &s) != nil {
		return string(m.Data)
	}
	return s
}

// wireMessage is a frame as the server writes it: a chunk has data as a
// string and stream_id; a stream's start and end carry the id in data.
type wireMessage struct {
	Kind      Kind            `json:"kind"`
	Channel   string          `json:"channel"`
	Topic     string          `json:"topic"`
	Data      json.RawMessage `json:"data"`
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt *time.Time      `json:"created_at"`
	EnvID     string          `json:"env_id"`
	RunID     string          `json:"run_id"`
	FnID      string          `json:"fn_id"`
	FnSlug    string          `json:"fn_slug"`
	StreamID  string          `json:"stream_id"`
}

// DecodeMessage decodes one frame from the server (a WebSocket text frame or
// an SSE data field). It never panics; input that is not a realtime message
// is an error wrapping ErrInvalidMessage.
func DecodeMessage(frame []byte) (Message, error) {
	frame = bytes.TrimSpace(frame)
	if len(frame) == 0 || frame[0] != '{' {
		return Message{}, fmt.Errorf("%w: not a JSON object", ErrInvalidMessage)
	}
	var w wireMessage
	if err := jsoncodec.Unmarshal(frame, &w); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if w.Kind == "" {
		return Message{}, fmt.Errorf("%w: no kind", ErrInvalidMessage)
	}
	m := Message{Kind: w.Kind, Channel: w.Channel, Topic: w.Topic, Data: w.Data, Metadata: w.Metadata,
		EnvID: w.EnvID, RunID: w.RunID, FnID: w.FnID, FnSlug: w.FnSlug, StreamID: w.StreamID}
	if w.CreatedAt != nil {
		m.CreatedAt = *w.CreatedAt
	}
	switch m.Kind {
	case KindDataStreamStart, KindDataStreamEnd:
		var id string
		if jsoncodec.Unmarshal(m.Data, &id) != nil || id == "" {
			return Message{}, fmt.Errorf("%w: %s without a stream id", ErrInvalidMessage, m.Kind)
		}
		m.StreamID = id
	case KindChunk:
		if m.StreamID == "" {
			return Message{}, fmt.Errorf("%w: chunk without a stream id", ErrInvalidMessage)
		}
	}
	return m, nil
}
