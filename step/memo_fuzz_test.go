package step

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzUnwrapMemo feeds arbitrary memo bytes (untrusted: they come from the
// server's call body) to the Run-memo and SendEvent decoders: they never panic,
// a {"data": v} wrapper gives back v, and what is not JSON is an error, never a value.
func FuzzUnwrapMemo(f *testing.F) {
	for _, s := range []string{`{"data":1}`, `{"error":"x"}`, `{"error":{"name":1}}`, `"id"`, `{"ids":["a"]}`, `["a"]`, `{"type":"data","data":null}`, `{"data":1,"x":2}`, `null`, ``, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		data, merr, err := unwrapMemo(raw)
		if err == nil && merr == nil && data != nil && !json.Valid(data) && json.Valid(raw) {
			t.Fatalf("unwrapMemo(%q) = invalid data %q", raw, data)
		}
		var ids sentIDs
		_ = ids.UnmarshalJSON(raw)
		_ = strictData(raw)
		if json.Valid(raw) {
			wrapped := append(append([]byte(`{"data":`), raw...), '}')
			got, merr, err := unwrapMemo(wrapped)
			require.NoError(t, err)
			require.Nil(t, merr)
			if !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || got != nil {
				require.JSONEq(t, string(raw), string(got))
			}
		}
	})
}
