package realtime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
)

// Claims is what a subscription token says, as ParseToken reads it.
type Claims struct {
	// Issuer is "rt.inngest.com" for the server's tokens.
	Issuer string
	// Account and Env are the ids the token is scoped to.
	Account string
	Env     string
	// Topics are the channel/topic pairs it grants.
	Topics []TokenTopic
	// Publish says whether it may publish (a subscription token may not).
	Publish bool
	// IssuedAt and Expires bound its lifetime.
	IssuedAt, Expires time.Time
	// ID is the token's unique id (jti).
	ID string
}

// TokenTopic is one channel/topic pair a token grants.
type TokenTopic struct {
	Kind    string `json:"kind"`
	EnvID   string `json:"env_id,omitempty"`
	Channel string `json:"channel"`
	Name    string `json:"name"`
}

// ParseToken reads a token's claims WITHOUT checking its signature (only the
// server can: it holds the key). Use it to see what a token grants and when
// it expires, never to trust it. Anything that is not a three-part JWT with
// JSON claims is an error wrapping ErrInvalidToken; it never panics.
func ParseToken(key string) (Claims, error) {
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: not a JWT (want 3 parts, got %d)", ErrInvalidToken, len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrInvalidToken, err)
	}
	var w struct {
		Iss     string       `json:"iss"`
		Sub     string       `json:"sub"`
		Env     string       `json:"env"`
		Topics  []TokenTopic `json:"topics"`
		Publish bool         `json:"publish"`
		Iat     *json.Number `json:"iat"`
		Exp     *json.Number `json:"exp"`
		Jti     string       `json:"jti"`
	}
	dec := jsoncodec.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrInvalidToken, err)
	}
	c := Claims{Issuer: w.Iss, Account: w.Sub, Env: w.Env, Topics: w.Topics, Publish: w.Publish, ID: w.Jti}
	if c.IssuedAt, err = unixTime(w.Iat); err != nil {
		return Claims{}, err
	}
	if c.Expires, err = unixTime(w.Exp); err != nil {
		return Claims{}, err
	}
	return c, nil
}

func unixTime(n *json.Number) (time.Time, error) {
	if n == nil {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: time claim %q", ErrInvalidToken, n.String())
	}
	return time.Unix(int64(f), 0).UTC(), nil
}
