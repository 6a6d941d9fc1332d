package inngest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// envLookup serves variables from a map, so tests never touch the process env.
func envLookup(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestClientEnvResolution(t *testing.T) {
	t.Parallel()
	const key = "signkey-prod-aabbcc"
	for _, tc := range []struct {
		name  string
		opts  ClientOptions
		env   map[string]string
		check func(t *testing.T, c *Client)
	}{
		{"INNGEST_DEV=1", ClientOptions{}, map[string]string{"INNGEST_DEV": "1"}, func(t *testing.T, c *Client) {
			require.Equal(t, ModeDev, c.Mode())
			require.Equal(t, "http://127.0.0.1:8288", c.APIBaseURL())
			require.Equal(t, "http://127.0.0.1:8288", c.EventAPIBaseURL())
			require.Equal(t, "NO_EVENT_KEY_SET", c.cfg.EventKey)
		}},
		{"INNGEST_DEV=URL", ClientOptions{}, map[string]string{"INNGEST_DEV": "http://devbox:9999/"}, func(t *testing.T, c *Client) {
			require.Equal(t, ModeDev, c.Mode())
			require.Equal(t, "http://devbox:9999", c.APIBaseURL())
			require.Equal(t, "http://devbox:9999", c.EventAPIBaseURL())
		}},
		{"INNGEST_DEV=0 is cloud", ClientOptions{}, map[string]string{"INNGEST_DEV": "0", "INNGEST_SIGNING_KEY": key}, func(t *testing.T, c *Client) {
			require.Equal(t, ModeCloud, c.Mode())
			require.Equal(t, "https://api.inngest.com", c.APIBaseURL())
			require.Equal(t, "https://inn.gs", c.EventAPIBaseURL())
			require.Equal(t, key, c.cfg.SigningKey)
		}},
		{"unset is cloud", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key}, func(t *testing.T, c *Client) {
			require.Equal(t, ModeCloud, c.Mode())
		}},
		{"Mode option wins over INNGEST_DEV", ClientOptions{Mode: ModeCloud, SigningKey: key}, map[string]string{"INNGEST_DEV": "1"}, func(t *testing.T, c *Client) {
			require.Equal(t, ModeCloud, c.Mode())
		}},
		{"INNGEST_BASE_URL sets both", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_BASE_URL": "https://self.example/"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://self.example", c.APIBaseURL())
			require.Equal(t, "https://self.example", c.EventAPIBaseURL())
		}},
		{"specific vars win over INNGEST_BASE_URL", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_BASE_URL": "https://base.example",
			"INNGEST_API_BASE_URL": "https://api.example", "INNGEST_EVENT_API_BASE_URL": "https://events.example"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://api.example", c.APIBaseURL())
			require.Equal(t, "https://events.example", c.EventAPIBaseURL())
		}},
		{"INNGEST_API_ORIGIN spelling", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_API_ORIGIN": "https://origin.example", "INNGEST_EVENT_API_ORIGIN": "https://ev-origin.example"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://origin.example", c.APIBaseURL())
			require.Equal(t, "https://ev-origin.example", c.EventAPIBaseURL())
		}},
		{"INNGEST_API_BASE_URL wins over INNGEST_API_ORIGIN", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_API_ORIGIN": "https://origin.example", "INNGEST_API_BASE_URL": "https://base-url.example"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://base-url.example", c.APIBaseURL())
		}},
		{"options win over env", ClientOptions{APIBaseURL: "https://opt.example", SigningKey: "signkey-test-01"}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_API_BASE_URL": "https://env.example"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://opt.example", c.APIBaseURL())
			require.Equal(t, "signkey-test-01", c.cfg.SigningKey)
		}},
		{"INNGEST_SERVE_ORIGIN and PATH", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_SERVE_ORIGIN": "https://app.example/", "INNGEST_SERVE_PATH": "/x/inngest"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://app.example", c.cfg.ServeOrigin)
			require.Equal(t, "/x/inngest", c.cfg.ServePath)
		}},
		{"INNGEST_SERVE_HOST spelling", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_SERVE_HOST": "https://host.example"}, func(t *testing.T, c *Client) {
			require.Equal(t, "https://host.example", c.cfg.ServeOrigin)
		}},
		{"keys, env and event key", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_SIGNING_KEY_FALLBACK": "signkey-prod-ddeeff",
			"INNGEST_EVENT_KEY": "ek", "INNGEST_ENV": "branch-7"}, func(t *testing.T, c *Client) {
			require.Equal(t, "signkey-prod-ddeeff", c.cfg.SigningKeyFallback)
			require.Equal(t, "ek", c.cfg.EventKey)
			require.Equal(t, "branch-7", c.cfg.Env)
		}},
		{"streaming", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "INNGEST_STREAMING": "allow"}, func(t *testing.T, c *Client) {
			require.True(t, c.cfg.Streaming)
		}},
		{"platform", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key, "AWS_REGION": "eu-west-1"}, func(t *testing.T, c *Client) {
			require.Equal(t, "aws-eu-west-1", c.cfg.Platform)
		}},
		{"checkpoint defaults", ClientOptions{}, map[string]string{"INNGEST_SIGNING_KEY": key}, func(t *testing.T, c *Client) {
			require.False(t, c.checkpoint.Disabled)
			require.Equal(t, DefaultCheckpointBatchSteps, c.checkpoint.BatchSteps)
			require.Equal(t, DefaultCheckpointBatchInterval, c.checkpoint.BatchInterval)
			require.Equal(t, DefaultCheckpointMaxRuntime, c.checkpoint.MaxRuntime)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.AppID = "app"
			c, err := newClient(opts, envLookup(tc.env))
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestClientEnvErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts ClientOptions
		env  map[string]string
	}{
		{"no app id", ClientOptions{}, map[string]string{"INNGEST_DEV": "1"}},
		{"cloud without a signing key", ClientOptions{AppID: "a"}, nil},
		{"relative API URL", ClientOptions{AppID: "a", Mode: ModeDev}, map[string]string{"INNGEST_API_BASE_URL": "/api"}},
	} {
		_, err := newClient(tc.opts, envLookup(tc.env))
		require.ErrorIs(t, err, ErrInvalidClient, tc.name)
	}
}
