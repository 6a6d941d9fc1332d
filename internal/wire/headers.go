package wire

// Header names used by the protocol.
const (
	HeaderSDK                = "X-Inngest-SDK"
	HeaderReqVersion         = "X-Inngest-Req-Version"
	HeaderNoRetry            = "X-Inngest-No-Retry"
	HeaderRetryAfter         = "Retry-After"
	HeaderSignature          = "X-Inngest-Signature"
	HeaderServerKind         = "X-Inngest-Server-Kind"
	HeaderExpectedServerKind = "X-Inngest-Expected-Server-Kind"
	HeaderEnv                = "X-Inngest-Env"
	HeaderSyncKind           = "X-Inngest-Sync-Kind"
	HeaderEventIDSeed        = "X-Inngest-Event-Id-Seed"
	HeaderSDKHandled         = "X-Inngest-SDK-Handled"
	HeaderStepID             = "X-Inngest-Step-Id"
	HeaderRunID              = "X-Run-Id"
	HeaderRequestID          = "X-Request-Id"
	HeaderJobID              = "X-Inngest-Job-Id"
	HeaderGenerationID       = "X-Inngest-Generation-Id"
	HeaderAuthorization      = "Authorization"
	// HeaderTraceParent and HeaderTraceState are the W3C trace context headers
	// the server sends on every call.
	HeaderTraceParent = "Traceparent"
	HeaderTraceState  = "Tracestate"
)

// Values of well-known headers and protocol constants.
const (
	// ReqVersion is the request version this SDK speaks (X-Inngest-Req-Version).
	ReqVersion = "2"
	// SyncInBand and SyncOutOfBand are the X-Inngest-Sync-Kind values.
	SyncInBand    = "in_band"
	SyncOutOfBand = "out_of_band"
	// ServerKindDev and ServerKindCloud are the X-Inngest-Server-Kind values.
	ServerKindDev   = "dev"
	ServerKindCloud = "cloud"
	// DiscoveryStepID is the stepId query value of a discovery call.
	DiscoveryStepID = "step"
	// IntrospectionSchemaVersion is the schema_version of GET introspection.
	IntrospectionSchemaVersion = "2024-05-24"
)

// Internal event names the server emits.
const (
	EventFunctionFailed   = "inngest/function.failed"
	EventFunctionFinished = "inngest/function.finished"
	EventFunctionInvoked  = "inngest/function.invoked"
	EventFunctionCanceled = "inngest/function.cancelled"
	EventScheduledTimer   = "inngest/scheduled.timer"
)
