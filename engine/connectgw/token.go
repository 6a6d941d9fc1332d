package connectgw

import (
	"errors"
	"slices"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/hs256"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// Session tokens are HS256 JWTs, as the server's: issuer
// connect.inngest.com, audience gateway.connect.inngest.com, the account as
// subject, the environment in "env", valid 5 minutes. Only this gateway
// verifies them, so the key is its own random secret.
const (
	tokenIssuer   = "connect.inngest.com"
	tokenAudience = "gateway.connect.inngest.com"
	tokenExpiry   = 5 * time.Minute
	// devAccountID and devEnvID are the dev server's account and environment.
	devAccountID = "00000000-0000-4000-a000-000000000000"
	devEnvID     = "00000000-0000-4000-b000-000000000000"
)

var errBadToken = errors.New("inngest: connect: invalid session token")

type tokenClaims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud []string `json:"aud"`
	Exp int64    `json:"exp"`
	Iat int64    `json:"iat"`
	Jti string   `json:"jti"`
	Env string   `json:"env"`
}

// signToken returns a session token issued at now.
func signToken(secret []byte, now time.Time) string {
	c := tokenClaims{Iss: tokenIssuer, Sub: devAccountID, Aud: []string{tokenAudience},
		Exp: now.Add(tokenExpiry).Unix(), Iat: now.Unix(), Jti: wire.NewULID(now), Env: devEnvID}
	tok, _ := hs256.Sign(secret, c) // strings and integers always encode
	return tok
}

// verifyToken checks a session token's signature, issuer, audience and
// expiry at now.
func verifyToken(secret []byte, tok string, now time.Time) error {
	var c tokenClaims
	if hs256.Verify(secret, tok, &c) != nil || c.Iss != tokenIssuer || !slices.Contains(c.Aud, tokenAudience) || c.Env == "" {
		return errBadToken
	}
	if now.Unix() >= c.Exp {
		return errBadToken
	}
	return nil
}
