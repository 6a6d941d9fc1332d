package realtime_test

import (
	"encoding/json"
	"io"
	"iter"
)

func iterPull[T any](seq iter.Seq2[T, error]) (func() (T, error, bool), func()) {
	return iter.Pull2(seq)
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
