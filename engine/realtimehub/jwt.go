package realtimehub

import (
	"errors"
	"fmt"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/hs256"
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

// signToken signs c with secret (HS256).
func signToken(secret []byte, c Claims) (string, error) { return hs256.Sign(secret, c) }

// ParseToken checks tok as the server does: three base64url (unpadded)
// parts, header alg HS256, a valid HMAC-SHA256 signature with secret, claims
// that decode, iss Issuer, exp present and after now, iat not after now. It
// never panics; every failure wraps ErrToken.
func ParseToken(secret []byte, tok string, now time.Time) (Claims, error) {
	var c Claims
	if err := hs256.Verify(secret, tok, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrToken, err)
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
