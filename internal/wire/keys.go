package wire

import (
	"crypto/sha256"
	"encoding/hex"
)

// signingKeyPrefix is the start of a prefixed signing key, "signkey-<env>-".
const signingKeyPrefix = "signkey-"

// splitKey splits k into its "signkey-<env>-" prefix (matching
// ^signkey-\w+-) and the rest. prefix is empty when k has no such prefix.
func splitKey(k string) (prefix, rest string) {
	if len(k) <= len(signingKeyPrefix) || k[:len(signingKeyPrefix)] != signingKeyPrefix {
		return "", k
	}
	i := len(signingKeyPrefix)
	for i < len(k) && isWordByte(k[i]) {
		i++
	}
	if i == len(signingKeyPrefix) || i >= len(k) || k[i] != '-' {
		return "", k
	}
	return k[:i+1], k[i+1:]
}

// isWordByte reports whether c is in the regexp class \w ([0-9A-Za-z_]).
func isWordByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// NormalizeKey strips the ^signkey-\w+- prefix from a signing key, so that
// "signkey-prod-X", "signkey-test-X" and "X" all give "X". This is the form
// used as the HMAC key (PROTOCOL §2.1). Keys without the prefix are returned
// unchanged.
func NormalizeKey(k string) string {
	_, rest := splitKey(k)
	return rest
}

// HashSigningKey returns the hashed form of a signing key, sent as the Bearer
// token on SDK→server API calls and reported as signing_key_hash in
// introspection (PROTOCOL §2.2, §6.1): the prefix is removed, the rest is
// hex-decoded and SHA-256 hashed, and the lowercase hex digest gets the
// prefix back ("signkey-test-…" stays "signkey-test-…", an unprefixed key
// stays unprefixed).
//
// It never fails: if the rest is not valid hex, its raw bytes are hashed
// instead (the server would reject such a key anyway, and the caller gets a
// stable token rather than an error). An empty key gives "".
func HashSigningKey(k string) string {
	if k == "" {
		return ""
	}
	prefix, rest := splitKey(k)
	raw, err := hex.DecodeString(rest)
	if err != nil {
		raw = []byte(rest)
	}
	sum := sha256.Sum256(raw)
	out := make([]byte, 0, len(prefix)+2*sha256.Size)
	out = append(out, prefix...)
	out = hex.AppendEncode(out, sum[:])
	return string(out)
}

// HashEventKey returns the lowercase hex SHA-256 of the event key string, as
// reported in introspection's event_key_hash (PROTOCOL §6.1). An empty key
// gives "" (callers report null).
func HashEventKey(k string) string {
	if k == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}
