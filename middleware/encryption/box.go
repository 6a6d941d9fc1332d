package encryption

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/nacl/secretbox"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Strategy is the "__STRATEGY__" value of the values this package seals.
const Strategy = "inngest/libsodium"

// legacyStrategy is the identifier older JavaScript middlewares wrote for the
// same format.
const legacyStrategy = "libsodium"

// Marker keys of a sealed value.
const (
	markerEncrypted = "__ENCRYPTED__"
	markerStrategy  = "__STRATEGY__"
)

const nonceSize = 24

// Errors of sealing and opening.
var (
	// ErrNoKey: Options.Key is empty.
	ErrNoKey = errors.New("inngest: encryption: a key is required")
	// ErrDecrypt: no key opens a sealed value (wrong key, or the value was
	// tampered with).
	ErrDecrypt = errors.New("inngest: encryption: no key opens the value")
	// ErrStrategy: a sealed value names a strategy this package does not know.
	ErrStrategy = errors.New("inngest: encryption: unsupported strategy")
)

// Box seals values with one key and opens them with that key or any fallback
// key. It is safe for concurrent use.
type Box struct {
	keys []*[32]byte
}

// NewBox derives the keys: key seals, key then each fallback opens. Keys are
// trimmed of surrounding white space, and empty fallback keys are ignored.
func NewBox(key string, fallback ...string) (*Box, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, ErrNoKey
	}
	b := &Box{keys: []*[32]byte{deriveKey(key)}}
	for _, k := range fallback {
		if k = strings.TrimSpace(k); k != "" {
			b.keys = append(b.keys, deriveKey(k))
		}
	}
	return b, nil
}

// deriveKey is libsodium's crypto_generichash(32, key): unkeyed BLAKE2b-256.
func deriveKey(key string) *[32]byte {
	k := blake2b.Sum256([]byte(key))
	return &k
}

// sealed is the JSON form of a sealed value.
type sealed struct {
	Encrypted bool   `json:"__ENCRYPTED__"`
	Strategy  string `json:"__STRATEGY__"`
	Data      string `json:"data"`
}

// Seal encrypts the JSON value v and returns the sealed value's JSON.
func (b *Box) Seal(v json.RawMessage) (json.RawMessage, error) {
	var nonce [nonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("inngest: encryption: nonce: %w", err)
	}
	box := secretbox.Seal(nonce[:], v, &nonce, b.keys[0])
	return jsoncodec.Marshal(sealed{Encrypted: true, Strategy: Strategy, Data: base64.StdEncoding.EncodeToString(box)})
}

// IsSealed reports whether v is a sealed value: a JSON object with
// "__ENCRYPTED__": true and a string "data".
func IsSealed(v json.RawMessage) bool {
	_, ok := parseSealed(v)
	return ok
}

func parseSealed(v json.RawMessage) (sealed, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' || !bytes.Contains(v, []byte(markerEncrypted)) {
		return sealed{}, false
	}
	var probe struct {
		Encrypted *bool   `json:"__ENCRYPTED__"`
		Strategy  *string `json:"__STRATEGY__"`
		Data      *string `json:"data"`
	}
	if jsoncodec.Unmarshal(v, &probe) != nil || probe.Encrypted == nil || !*probe.Encrypted || probe.Data == nil {
		return sealed{}, false
	}
	s := sealed{Encrypted: true, Data: *probe.Data}
	if probe.Strategy != nil {
		s.Strategy = *probe.Strategy
	}
	return s, true
}

// Open decrypts v when it is a sealed value and returns the plaintext JSON; a
// value that is not sealed is returned unchanged.
func (b *Box) Open(v json.RawMessage) (json.RawMessage, error) {
	s, ok := parseSealed(v)
	if !ok {
		return v, nil
	}
	if s.Strategy != "" && s.Strategy != Strategy && s.Strategy != legacyStrategy {
		return nil, fmt.Errorf("%w %q (this middleware opens %q)", ErrStrategy, s.Strategy, Strategy)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Data)
	if err != nil || len(raw) < nonceSize+secretbox.Overhead {
		return nil, fmt.Errorf("%w: the sealed data is not base64 of a nonce and a box", ErrDecrypt)
	}
	var nonce [nonceSize]byte
	copy(nonce[:], raw[:nonceSize])
	for _, k := range b.keys {
		if out, ok := secretbox.Open(nil, raw[nonceSize:], &nonce, k); ok {
			if !jsoncodec.Valid(out) {
				return nil, fmt.Errorf("%w: the plaintext is not JSON", ErrDecrypt)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w (tried %d keys)", ErrDecrypt, len(b.keys))
}
