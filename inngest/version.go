package inngest

// Version is the SDK version, sent in X-Inngest-SDK as "inngest-go:v<Version>".
const Version = "0.1.0"

// SDKName is the SDK name part of X-Inngest-SDK.
const SDKName = "inngest-go"
