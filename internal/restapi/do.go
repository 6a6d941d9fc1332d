// Package restapi sends authenticated requests to the Inngest REST API
// (/v1/...) for inngest.Client and the management client.
package restapi

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/seed-b02f2472/inngest-go/internal/exec"
	"github.com/seed-b02f2472/inngest-go/internal/wire"
)

// maxBody bounds the answers read.
const maxBody = 64 << 20

// Response is a REST answer: its status and body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Retries is how many times an idempotent request is retried after a 5xx
// answer or a transport error.
const Retries = 3

// Do sends method path (relative to cfg.APIBaseURL) with body (nil for none).
// The Bearer token is the hashed signing key; a 401 is retried once with the
// fallback key. When idempotent, 5xx answers and transport errors are retried
// Retries times with exponential backoff and jitter. A non-2xx answer is a
// Response, not an error; err is a transport error or ctx's.
func Do(ctx context.Context, cfg *exec.ClientConfig, method, path string, body []byte, idempotent bool) (Response, error) {
	var (
		res Response
		err error
	)
	for attempt := 0; ; attempt++ {
		res, err = withKeys(ctx, cfg, method, path, body)
		retry := err != nil || res.Status >= 500
		if !idempotent || !retry || attempt >= Retries || ctx.Err() != nil {
			return res, err
		}
		if werr := Sleep(ctx, Backoff(attempt+1)); werr != nil {
			return res, err
		}
	}
}

func withKeys(ctx context.Context, cfg *exec.ClientConfig, method, path string, body []byte) (Response, error) {
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	var res Response
	for i, key := range keys {
		var err error
		res, err = once(ctx, cfg, method, path, body, key)
		if err != nil {
			return res, err
		}
		if res.Status != http.StatusUnauthorized || i+1 == len(keys) {
			break
		}
	}
	return res, nil
}

func once(ctx context.Context, cfg *exec.ClientConfig, method, path string, body []byte, key string) (Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, cfg.APIBaseURL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	SetHeaders(req.Header, cfg, key)
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// SetHeaders sets what every request of the SDK to the server's API carries:
// the SDK's name as X-Inngest-SDK and User-Agent, the environment when one is
// configured, and key (when not empty) hashed as the Bearer token.
func SetHeaders(h http.Header, cfg *exec.ClientConfig, key string) {
	h.Set(wire.HeaderSDK, cfg.SDK)
	h.Set("User-Agent", cfg.SDK)
	if cfg.Env != "" {
		h.Set(wire.HeaderEnv, cfg.Env)
	}
	if key != "" {
		h.Set(wire.HeaderAuthorization, "Bearer "+wire.HashSigningKey(key))
	}
}

// Backoff is the wait before retry number attempt (1 for the first retry): it
// doubles from 100 ms, is capped at 5 s, and is drawn uniformly between half of
// that and all of it (jitter).
func Backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << (attempt - 1)
	if d > 5*time.Second || d <= 0 {
		d = 5 * time.Second
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d, or returns ctx's error if ctx ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
