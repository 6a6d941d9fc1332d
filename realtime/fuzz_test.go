package realtime_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/realtime"
)

// FuzzDecodeMessage: any frame from the server is a message or an error
// wrapping ErrInvalidMessage, never a panic; stream kinds always carry their
// stream id.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"kind":"data","channel":"c","topic":"t","data":{"a":1},"created_at":"2026-12-07T11:28:32Z","env_id":"e"}`,
		`{"kind":"datastream-start","channel":"c","topic":"t","data":"abc"}`,
		`{"kind":"chunk","stream_id":"abc","data":"hello"}`,
		`{"kind":"datastream-end","data":5}`, `{"kind":"closing","data":null}`, `{}`, `[]`, `"x"`, ``, `{"kind":"data","created_at":"yesterday"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := realtime.DecodeMessage(b)
		if err != nil {
			require.ErrorIs(t, err, realtime.ErrInvalidMessage)
			return
		}
		require.NotEmpty(t, m.Kind)
		switch m.Kind {
		case realtime.KindDataStreamStart, realtime.KindDataStreamEnd, realtime.KindChunk:
			require.NotEmpty(t, m.StreamID)
		}
		_ = m.Chunk()
	})
}

// FuzzParseToken: any string is claims or an error wrapping ErrInvalidToken.
func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJydC5pbm5nZXN0LmNvbSIsImV4cCI6MTc5NjY0Mjk3MiwiaWF0IjoxNzk2NjQyOTEyfQ.x",
		"", "a.b.c", "..", "a.e30.c", "a.eyJleHAiOiJ4In0.c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := realtime.ParseToken(s)
		if err != nil {
			require.ErrorIs(t, err, realtime.ErrInvalidToken)
			return
		}
		for _, tm := range []int64{c.Expires.Unix(), c.IssuedAt.Unix()} {
			require.True(t, tm >= 0 && tm <= 1<<40 || tm == (time.Time{}).Unix(), "time claim out of range: %d", tm)
		}
	})
}

// FuzzReadSSE: any byte stream yields events or an error, never a panic, and
// an event never holds a line break it was not given.
func FuzzReadSSE(f *testing.F) {
	for _, s := range []string{":\n\ndata: {\"a\":1}\n\n", "data:x\ndata:y\n\n", "event: e\nid: 1\n\n", "data: unterminated"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := realtime.ReadSSE(bytes.NewReader(b), func(data []byte) bool {
			n++
			require.LessOrEqual(t, bytes.Count(data, []byte("\n")), bytes.Count(b, []byte("\n")))
			return true
		})
		require.Error(t, err) // a stream that ends is an unexpected EOF (or a too-long line)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			require.Greater(t, len(b), 0)
		}
	})
}
