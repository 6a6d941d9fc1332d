package hs256

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type claims struct {
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	tok, err := Sign(secret, claims{Sub: "acct", Exp: 42})
	require.NoError(t, err)
	var c claims
	require.NoError(t, Verify(secret, tok, &c))
	require.Equal(t, claims{Sub: "acct", Exp: 42}, c)

	parts := strings.Split(tok, ".")
	none := "eyJhbGciOiJub25lIn0" // {"alg":"none"}
	tests := []struct {
		name, tok, err string
	}{
		{"two parts", parts[0] + "." + parts[1], "want 3 parts"},
		{"padded header", parts[0] + "=." + parts[1] + "." + parts[2], "header:"},
		{"alg none", none + "." + parts[1] + "." + parts[2], "alg HS256"},
		{"other secret's signature", mustSign(t, []byte("other")), "bad signature"},
		{"signature not base64", parts[0] + "." + parts[1] + ".!!", "signature:"},
		{"claims changed", parts[0] + "." + parts[1][:len(parts[1])-2] + "fQ." + parts[2], "bad signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(secret, tt.tok, &claims{})
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func mustSign(t *testing.T, secret []byte) string {
	t.Helper()
	tok, err := Sign(secret, claims{Sub: "acct"})
	require.NoError(t, err)
	return tok
}

// FuzzVerify: any string verifies or fails with an error, never a panic, and
// nothing verifies under a secret it was not signed with.
func FuzzVerify(f *testing.F) {
	good, _ := Sign([]byte("k"), claims{Sub: "a"})
	f.Add(good)
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		if Verify([]byte("k"), tok, &claims{}) == nil && Verify([]byte("other"), tok, &claims{}) == nil {
			t.Fatalf("%q verified under two secrets", tok)
		}
	})
}
