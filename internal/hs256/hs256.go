// Package hs256 signs and verifies compact JSON Web Tokens with HMAC-SHA256,
// the form of the session tokens of the engine's Connect gateway and of the
// subscription tokens of its realtime hub. Each caller owns its claims type
// and checks them (issuer, audience, expiry) after Verify.
package hs256

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// header is the JOSE header of every token Sign writes.
var header = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

var b64 = base64.RawURLEncoding.Strict()

// Sign encodes claims as JSON and returns the signed token.
func Sign(secret []byte, claims any) (string, error) {
	body, err := jsoncodec.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := header + "." + base64.RawURLEncoding.EncodeToString(body)
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac(secret, signing)), nil
}

// Verify checks tok's form (three unpadded base64url parts, a header saying
// alg HS256) and its signature with secret, and decodes its claims into
// claims (unknown fields are ignored). An error says which part failed; it
// never panics.
func Verify(secret []byte, tok string, claims any) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("want 3 parts")
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("header: %v", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := jsoncodec.Unmarshal(hb, &h); err != nil || h.Alg != "HS256" {
		return errors.New("header must say alg HS256")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	if !hmac.Equal(sig, mac(secret, parts[0]+"."+parts[1])) {
		return errors.New("bad signature")
	}
	cb, err := b64.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("claims: %v", err)
	}
	if err := jsoncodec.NewDecoder(bytes.NewReader(cb)).Decode(claims); err != nil {
		return fmt.Errorf("claims: %v", err)
	}
	return nil
}

func mac(secret []byte, signing string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signing))
	return m.Sum(nil)
}
