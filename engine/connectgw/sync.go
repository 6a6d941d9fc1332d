package connectgw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"

	"github.com/coder/websocket"

	"github.com/seed-b02f2472/inngest-go/engine"
	"github.com/seed-b02f2472/inngest-go/internal/connectproto"
)

// The close codes (reasons) the gateway closes a connection with, the
// server's.
const (
	codeHelloTimeout        = "connect_worker_hello_timeout"
	codeHelloInvalidMsg     = "connect_worker_hello_invalid_msg"
	codeHelloInvalidPayload = "connect_worker_hello_invalid_payload"
	codeAuthFailed          = "connect_authentication_failed"
	codeInternal            = "connect_internal_error"
	codeGatewayClosing      = "connect_gateway_closing"
	codeInvalidFnConfig     = "connect_invalid_function_config"
	codeAckInvalidPayload   = "connect_worker_request_ack_invalid_payload"
	codeLeaseInvalidPayload = "connect_worker_request_extend_lease_invalid_payload"
	codeTooManyApps         = "connect_too_many_apps_per_connection"
)

// socketError is a reason to close a connection: a WebSocket status and the
// server's code as the close reason, plus a message for the log and for
// SYNC_FAILED.
type socketError struct {
	status websocket.StatusCode
	code   string
	msg    string
	// syncFailed sends SYNC_FAILED before closing.
	syncFailed bool
}

func (e *socketError) Error() string { return e.code + ": " + e.msg }

// registerBody is the sync body of one app of a WORKER_CONNECT, as the
// server's gateway posts it to /fn/register.
// It is wire.RegisterRequest with capabilities and functions left as the
// worker's raw JSON, so that what another SDK's worker announces reaches the
// engine's sync (and its validation) unchanged instead of being re-encoded
// through this SDK's types.
type registerBody struct {
	V              string          `json:"v"`
	URL            string          `json:"url"`
	DeployType     string          `json:"deployType"`
	SDK            string          `json:"sdk"`
	Framework      string          `json:"framework,omitempty"`
	AppName        string          `json:"appName"`
	AppVersion     string          `json:"appVersion,omitempty"`
	Headers        registerHeaders `json:"headers"`
	Capabilities   json.RawMessage `json:"capabilities"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
	Functions      json.RawMessage `json:"functions"`
}

type registerHeaders struct {
	Env      string `json:"env"`
	Platform string `json:"platform"`
}

// syncApps syncs every app of a WORKER_CONNECT with the host and returns
// their IDs by name.
func (g *Gateway) syncApps(ctx context.Context, data *connectproto.WorkerConnectRequestData) (map[string]string, *socketError) {
	caps := json.RawMessage(data.Capabilities)
	if len(caps) == 0 {
		caps = json.RawMessage("{}")
	}
	var capObj map[string]any
	if jsoncodec.Unmarshal(caps, &capObj) != nil {
		return nil, &socketError{status: websocket.StatusInternalError, code: codeInternal, msg: "Invalid SDK capabilities"}
	}
	ids := map[string]string{}
	for _, app := range data.Apps {
		var fns []json.RawMessage
		if app.AppName == "" || jsoncodec.Unmarshal(app.Functions, &fns) != nil {
			return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeInvalidFnConfig, msg: "Invalid function config", syncFailed: true}
		}
		sdk := data.SdkLanguage + ":" + data.SdkVersion
		sum := sha256.Sum256([]byte(data.SdkLanguage + ":" + data.SdkVersion + ":" + data.GetPlatform() + ":" + string(app.Functions) + ":" + app.GetAppVersion()))
		body, _ := jsoncodec.Marshal(registerBody{
			V: "1", URL: "ws://connect?app_name=" + url.QueryEscape(app.AppName), DeployType: "connect",
			SDK: sdk, Framework: data.Framework, AppName: app.AppName, AppVersion: app.GetAppVersion(),
			Headers:      registerHeaders{Env: data.GetEnvironment(), Platform: data.GetPlatform()},
			Capabilities: caps, IdempotencyKey: hex.EncodeToString(sum[:]), Functions: app.Functions,
		})
		res, err := g.host.SyncConfig(ctx, body)
		if err != nil {
			if errors.Is(err, engine.ErrSyncRejected) {
				return nil, &socketError{status: websocket.StatusPolicyViolation, code: codeInvalidFnConfig, msg: err.Error(), syncFailed: true}
			}
			return nil, &socketError{status: websocket.StatusInternalError, code: codeInternal, msg: "Internal error while syncing"}
		}
		ids[app.AppName] = res.AppID
	}
	return ids, nil
}
