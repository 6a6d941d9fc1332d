package wire

// Introspection is the GET response (§6.1). The fields after Mode are only set on the
// authenticated form; pointers distinguish JSON null from empty strings.
type Introspection struct {
	SchemaVersion           string `json:"schema_version"`
	AuthenticationSucceeded *bool  `json:"authentication_succeeded"`
	FunctionCount           int    `json:"function_count"`
	HasEventKey             bool   `json:"has_event_key"`
	HasSigningKey           bool   `json:"has_signing_key"`
	HasSigningKeyFallback   bool   `json:"has_signing_key_fallback"`
	Mode                    string `json:"mode"`
	*IntrospectionAuthed           // only when the request was signed with a valid key
}

// IntrospectionAuthed holds the fields of the authenticated introspection.
type IntrospectionAuthed struct {
	APIOrigin              string       `json:"api_origin"`
	AppID                  string       `json:"app_id"`
	Capabilities           Capabilities `json:"capabilities"`
	Env                    *string      `json:"env"`
	EventAPIOrigin         string       `json:"event_api_origin"`
	EventKeyHash           *string      `json:"event_key_hash"`
	Framework              string       `json:"framework"`
	SDKLanguage            string       `json:"sdk_language"`
	SDKVersion             string       `json:"sdk_version"`
	ServeOrigin            string       `json:"serve_origin"`
	ServePath              string       `json:"serve_path"`
	SigningKeyFallbackHash *string      `json:"signing_key_fallback_hash"`
	SigningKeyHash         *string      `json:"signing_key_hash"`
}

// InBandSyncResponse is the signed reply to an in-band sync PUT (§3.4).
type InBandSyncResponse struct {
	AppID        string        `json:"app_id"`
	AppVersion   string        `json:"appVersion,omitempty"`
	Capabilities Capabilities  `json:"capabilities"`
	Env          *string       `json:"env"`
	Framework    *string       `json:"framework"`
	Functions    []Function    `json:"functions"`
	Inspection   Introspection `json:"inspection"`
	Platform     *string       `json:"platform"`
	SDK          string        `json:"sdk"`
	SDKAuthor    string        `json:"sdk_author"`
	SDKLanguage  string        `json:"sdk_language"`
	SDKVersion   string        `json:"sdk_version"`
	URL          string        `json:"url"`
}

// SyncRequest is the body of the server's PUT to the serve URL.
type SyncRequest struct {
	URL string `json:"url"`
}

// SyncReply is the SDK's JSON reply to an out-of-band PUT.
type SyncReply struct {
	Message  string `json:"message"`
	Modified bool   `json:"modified"`
}

// SendResponse is the event API's reply.
type SendResponse struct {
	IDs    []string `json:"ids"`
	Status int      `json:"status"`
	Error  string   `json:"error,omitempty"`
}
