package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"signkey-test-12345678", "12345678"},
		{"signkey-prod-abc", "abc"},
		{"signkey-branch_2-abc", "abc"},
		{"signkey-prod-abc-def", "abc-def"},
		{"12345678", "12345678"},
		{"", ""},
		{"signkey-", "signkey-"},
		{"signkey--abc", "signkey--abc"},
		{"signkey-prod", "signkey-prod"},
		{"signkey-prod-", ""},
		{"signkey-pr.od-abc", "signkey-pr.od-abc"},
		{"xsignkey-prod-abc", "xsignkey-prod-abc"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, NormalizeKey(tc.in))
		})
	}
}

func TestHashSigningKey(t *testing.T) {
	t.Parallel()
	v := loadCapture(t)
	tests := []struct {
		name, in, want string
	}{
		{"PROTOCOL 2.2 example", "signkey-test-12345678",
			"signkey-test-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c"},
		{"capture: unprefixed key gives /fn/register Bearer", v.SigningKey, v.RegisterBearer},
		{"capture key with prefix", "signkey-prod-" + v.SigningKey, "signkey-prod-" + v.RegisterBearer},
		{"upper-case hex decodes the same", "signkey-test-ABCDEF", HashSigningKey("signkey-test-abcdef")},
		// Not hex: the raw bytes are hashed (sha256("not-hex!")).
		{"non-hex falls back to raw bytes", "signkey-test-not-hex!",
			"signkey-test-" + HashEventKey("not-hex!")},
		{"odd-length hex falls back to raw bytes", "abc", HashEventKey("abc")},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, HashSigningKey(tc.in))
		})
	}
}

func TestHashEventKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", HashEventKey("hello"))
	require.Equal(t, "", HashEventKey(""))
}
