package engine

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seed-b02f2472/inngest-go/internal/wire"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// ConnectCall is one call to a function of an app that registered over a
// Connect connection. Like the server, the engine sends a call over Connect
// when the function's step URL has the scheme ws or wss (a Connect worker
// registers its functions with such URLs and no reachable endpoint).
type ConnectCall struct {
	// AppID and AppName identify the app.
	AppID, AppName string
	// FunctionID is the function's UUID.
	FunctionID string
	// FunctionSlug is the function's composite ID (the fnId query parameter
	// of its step URL, as the server reads it).
	FunctionSlug string
	// StepID is the step the call targets ("step" for a discovery call).
	StepID string
	// RunID, RequestID and JobID are the call's run, request and job IDs.
	RunID, RequestID, JobID string
	// Body is the call's request body: the JSON an HTTP call would POST.
	Body []byte
}

// ConnectReply is a worker's answer to a ConnectCall.
type ConnectReply struct {
	// Status is the answer as an HTTP status: 200 for a finished function
	// (DONE), 206 for steps to run (NOT_COMPLETED), 500 for an error.
	Status int
	// Body is the SDK's response body.
	Body []byte
	// NoRetry is set when the SDK marked an error as final.
	NoRetry bool
	// RetryAfter is the SDK's Retry-After value, "" when it sent none.
	RetryAfter string
	// RequestVersion is the SDK's request version.
	RequestVersion int
	// SDKVersion is the SDK's "language:version".
	SDKVersion string
	// ConnectionID and InstanceID name the connection the call was
	// forwarded to and its worker's instance ID ("" when unknown); the
	// engine records them in the run's History.
	ConnectionID, InstanceID string
}

// ConnectTransport carries calls to apps synced over Connect: a Connect
// gateway (package engine/connectgw) implements it. Call returns when the
// worker replied, or with an error when no connection could take the call or
// the one that took it stopped extending its lease (the call is then retried
// like a failed HTTP request).
type ConnectTransport interface {
	Call(ctx context.Context, call ConnectCall) (ConnectReply, error)
}

// ErrNoConnectTransport is the error of a call to a Connect app when the
// engine has no ConnectTransport.
var ErrNoConnectTransport = errors.New("inngest: the app is synced over Connect and the engine hosts no Connect gateway")

// connectSlot holds the engine's ConnectTransport (see SetConnectTransport).
type connectSlot struct{ t ConnectTransport }

// SetConnectTransport makes t carry the engine's calls to apps synced over
// Connect. Call it once, before such apps sync; nil removes it.
func (e *Engine) SetConnectTransport(t ConnectTransport) {
	e.connect.Store(&connectSlot{t: t})
}

// SyncResult is the outcome of SyncConfig.
type SyncResult struct {
	// AppID is the app's UUID and SyncID the sync's.
	AppID, SyncID string
	// Modified reports whether the configuration changed.
	Modified bool
}

// ErrSyncRejected wraps the reason SyncConfig rejected a configuration (what
// POST /fn/register answers with 400).
var ErrSyncRejected = errors.New("inngest: sync rejected")

// SyncConfig syncs an app from a register body, exactly as POST /fn/register
// does: a Connect gateway syncs the apps a worker announces with it.
func (e *Engine) SyncConfig(ctx context.Context, body []byte) (SyncResult, error) {
	if err := ctx.Err(); err != nil {
		return SyncResult{}, err
	}
	l := e.lock()
	res, err := l.registerLocked(body)
	l.unlock()
	if err != nil {
		var se *syncError
		if errors.As(err, &se) {
			msg := se.msg
			if len(se.details) > 0 {
				msg += ": " + strings.Join(se.details, "; ")
			}
			return SyncResult{}, errors.Join(ErrSyncRejected, errors.New(msg))
		}
		return SyncResult{}, err
	}
	return SyncResult{AppID: res.appID, SyncID: res.syncID, Modified: res.modified}, nil
}

// Authorized reports whether r carries the engine's signing key (plain or
// hashed) as a Bearer token; it always holds without Options.SigningKey.
func (e *Engine) Authorized(r *http.Request) bool { return e.authorized(r) }

// KeyAuthorized reports whether tok is the engine's signing key, plain or
// hashed (with or without its prefix); it always holds without
// Options.SigningKey.
func (e *Engine) KeyAuthorized(tok string) bool {
	return e.opts.SigningKey == "" || e.keyMatches(tok)
}

// isConnectURL reports whether a step URL routes over Connect (ws, wss), as
// the server chooses its connect driver.
func isConnectURL(raw string) bool {
	return strings.HasPrefix(raw, "ws://") || strings.HasPrefix(raw, "wss://")
}

// connectCallLocked describes job as a ConnectCall when fn's URL routes
// over Connect, else returns nil.
func connectCallLocked(fn *fnState, job *callJob) *ConnectCall {
	if !isConnectURL(job.url) {
		return nil
	}
	slug := fn.id
	if u, err := url.Parse(fn.url); err == nil {
		if s := u.Query().Get("fnId"); s != "" {
			slug = s
		}
	}
	return &ConnectCall{
		AppID: fn.app.rec.ID, AppName: fn.app.rec.Name, FunctionID: fn.uuid, FunctionSlug: slug,
		StepID: job.t.StepID, RunID: job.runID, RequestID: job.requestID, JobID: job.t.JobID, Body: job.body,
	}
}

// callHistoryLocked appends a History entry about job (its "call" entry or
// its outcome) that names the transport it went over and, for a Connect
// call's outcome, the connection res came from.
func (e locked) callHistoryLocked(r *runState, job *callJob, res *callResult, kind string, status int, detail string) {
	e.historyLocked(r, kind, job.t.StepID, status, detail)
	h := &r.History[len(r.History)-1] // just appended: not shared with a stored copy
	h.Transport = runtype.TransportHTTP
	if job.connect != nil {
		h.Transport = runtype.TransportConnect
		if res != nil {
			h.ConnectionID, h.InstanceID = res.connID, res.instanceID
		}
	}
}

// doConnectCall makes a call over the ConnectTransport and classifies the
// reply as doCall classifies an HTTP response.
func (e *Engine) doConnectCall(ctx context.Context, job *callJob) callResult {
	slot := e.connect.Load()
	if slot == nil || slot.t == nil {
		return callResult{transport: ErrNoConnectTransport}
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	rep, err := slot.t.Call(ctx, *job.connect)
	if err != nil {
		return callResult{transport: err}
	}
	if len(rep.Body) > maxResponseBytes {
		return callResult{transport: errString("inngest: SDK response larger than 8 MB")}
	}
	h := http.Header{}
	if rep.SDKVersion != "" {
		h.Set(wire.HeaderSDK, rep.SDKVersion)
	}
	// Like the server's connect driver, every reply is from an SDK.
	res := callResult{status: rep.Status, body: rep.Body, header: h, isSDK: true,
		reqVersion: rep.RequestVersion, hasVersion: true, connID: rep.ConnectionID, instanceID: rep.InstanceID}
	if rep.NoRetry {
		res.hasNoRetry, res.noRetry = true, true
		h.Set(wire.HeaderNoRetry, "true")
	}
	if rep.RetryAfter != "" {
		h.Set(wire.HeaderRetryAfter, rep.RetryAfter)
		res.retryAfter = parseRetryAfter(rep.RetryAfter, e.clock.Now())
	}
	h.Set(wire.HeaderReqVersion, strconv.Itoa(rep.RequestVersion))
	return res
}
