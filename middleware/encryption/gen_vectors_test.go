package encryption_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-b02f2472/inngest-go/middleware/encryption"
)

// TestWriteGoVectors rewrites testdata/go_vectors.json when
// INNGEST_WRITE_VECTORS=1 (see testdata/README.md for how they were checked
// with libsodium); otherwise it does nothing.
func TestWriteGoVectors(t *testing.T) {
	if os.Getenv("INNGEST_WRITE_VECTORS") != "1" {
		return
	}
	f := vectorFile{Key: "go-key-current", FallbackKey: "go-key-old"}
	cur, err := encryption.NewBox(f.Key)
	require.NoError(t, err)
	old, err := encryption.NewBox(f.FallbackKey)
	require.NoError(t, err)
	for _, v := range []struct{ name, key, plain string }{
		{"go object", "current", `{"card":"4242 4242 4242 4242","amount_cents":1999}`},
		{"go string", "current", `"a string"`},
		{"go number", "current", `12345`},
		{"go unicode", "current", `{"unicode":"café ☕"}`},
		{"go sealed with the old key", "old", `{"secret":"rotated"}`},
	} {
		box := cur
		if v.key == "old" {
			box = old
		}
		s, err := box.Seal(json.RawMessage(v.plain))
		require.NoError(t, err)
		f.Vectors = append(f.Vectors, vector{Name: v.name, Key: v.key, Plaintext: json.RawMessage(v.plain), Sealed: s})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("testdata/go_vectors.json", append(b, '\n'), 0o644))
}
