package realtimehub

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Issuer is the iss claim of every token, as the server writes it.
const Issuer = "rt.inngest.com"

// DefaultTokenLifetime is a subscription token's lifetime, as the server
// mints it.
const DefaultTokenLifetime = time.Minute

// ErrToken is wrapped by every token validation failure.
var ErrToken = errors.New("inngest: invalid realtime token")

// Topic is one channel/topic pair, as tokens and token requests hold it.
type Topic struct {
	Kind    string `json:"kind"`
	EnvID   string `json:"env_id"`
	Channel string `json:"channel"`
	Name    string `json:"name"`
}

// Claims are a token's claims, in the server's names and order.
type Claims struct {
	Issuer    string  `json:"iss"`
	Subject   string  `json:"sub"`
	ExpiresAt int64   `json:"exp"`
	IssuedAt  int64   `json:"iat"`
	ID        string  `json:"jti"`
	Env       string  `json:"env"`
	Topics    []Topic `json:"topics"`
	Publish   bool    `json:"publish"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signToken signs c with secret (HS256).
func signToken(secret []byte, c Claims) (string, error) {
	body, err := jsoncodec.Marshal(c)
	if err != nil {
		return "", err
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// ParseToken checks tok as the server does: three base64url (unpadded)
// parts, header alg HS256, a valid HMAC-SHA256 signature with secret, claims
// that decode strictly, iss Issuer, exp present and after now, iat not after
// now. It never panics; every failure wraps ErrToken.
func ParseToken(secret []byte, tok string, now time.Time) (Claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: want 3 parts", ErrToken)
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: header: %v", ErrToken, err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := jsoncodec.Unmarshal(hb, &h); err != nil || h.Alg != "HS256" {
		return Claims{}, fmt.Errorf("%w: header must say alg HS256", ErrToken)
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature: %v", ErrToken, err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return Claims{}, fmt.Errorf("%w: bad signature", ErrToken)
	}
	cb, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	var c Claims
	dec := jsoncodec.NewDecoder(bytes.NewReader(cb))
	if err := dec.Decode(&c); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	switch {
	case c.Issuer != Issuer:
		return Claims{}, fmt.Errorf("%w: issuer %q", ErrToken, c.Issuer)
	case c.ExpiresAt == 0:
		return Claims{}, fmt.Errorf("%w: no exp", ErrToken)
	case !now.Before(time.Unix(c.ExpiresAt, 0)):
		return Claims{}, fmt.Errorf("%w: expired", ErrToken)
	case time.Unix(c.IssuedAt, 0).After(now):
		return Claims{}, fmt.Errorf("%w: issued in the future", ErrToken)
	}
	return c, nil
}
