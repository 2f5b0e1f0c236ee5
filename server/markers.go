package server

// Marker names one step of the OAuth + MCP lifecycle. Each is logged as
//
//	=== NAME === detail
//
// in the vocabulary of the seed's debugging notes (docs/field-failures.md, "Where it started"),
// so a log from mcpvcr reads like the log that took days to get from
// `docker logs`. The whole catalog lives in this file; docs/markers.md lists
// what each one means.
type Marker string

// OAuth authorization server markers. The first five are the seed's; the
// rest name the steps the seed never logged but a debugging session needs
// (who registered, which consent, which token was rotated or revoked).
// Secrets appear in details only through Short.
const (
	OAuthAuthorizeStart   Marker = "OAUTH AUTHORIZE START"
	OAuthCodeGenerated    Marker = "OAUTH CODE GENERATED"
	OAuthTokenStart       Marker = "OAUTH TOKEN START"
	AccessTokenGenerated  Marker = "ACCESS TOKEN GENERATED"
	AccessTokenStored     Marker = "ACCESS TOKEN STORED"
	OAuthClientRegistered Marker = "OAUTH CLIENT REGISTERED"
	OAuthConsentShown     Marker = "OAUTH CONSENT SHOWN"
	OAuthConsentGranted   Marker = "OAUTH CONSENT GRANTED"
	RefreshTokenGenerated Marker = "REFRESH TOKEN GENERATED"
	RefreshTokenRotated   Marker = "REFRESH TOKEN ROTATED"
	TokenRevoked          Marker = "TOKEN REVOKED"
	// OAuthClientMetadata: a client ID metadata document was fetched and
	// accepted (its client_id is the document's URL; oauth_cimd.go).
	OAuthClientMetadata Marker = "OAUTH CLIENT METADATA"
)

// OAuth failure markers: one per endpoint, each detail starting with the
// OAuth error code and "reason=" (why it was refused), e.g.
//
//	=== OAUTH TOKEN FAILED === error=invalid_grant reason=PKCE verification failed
//
// CodeReuse and RefreshTokenReuse are logged on top of OAUTH TOKEN FAILED
// when a replay revoked a whole grant. RedisUnavailable is logged for every
// request answered 503 because the token store did not answer.
const (
	OAuthRegisterFailed  Marker = "OAUTH REGISTER FAILED"
	OAuthAuthorizeFailed Marker = "OAUTH AUTHORIZE FAILED"
	OAuthConsentDenied   Marker = "OAUTH CONSENT DENIED"
	OAuthTokenFailed     Marker = "OAUTH TOKEN FAILED"
	OAuthRevokeFailed    Marker = "OAUTH REVOKE FAILED"
	CodeReuse            Marker = "OAUTH CODE REUSE"
	RefreshTokenReuse    Marker = "REFRESH TOKEN REUSE"
	RedisUnavailable     Marker = "REDIS UNAVAILABLE"
)

// Resource (bearer token) markers, logged for every protected request:
// OAUTH FLOW, then OAUTH SUCCESS and AUTH SUCCESS, or AUTH FAILED with the
// reason.
const (
	OAuthFlow    Marker = "OAUTH FLOW"
	OAuthSuccess Marker = "OAUTH SUCCESS"
	AuthSuccess  Marker = "AUTH SUCCESS"
	AuthFailed   Marker = "AUTH FAILED"
)

// MCP transport markers, in the order of the seed's "Successful Flow" and
// "Failed Flow". SSEEvent and ProcessingRequest carry a counter in their
// name ("SSE EVENT 0", "PROCESSING REQUEST 1/1"): build them with Nth.
const (
	MCPSSEConnectionStart Marker = "MCP SSE CONNECTION START"
	RequestBody           Marker = "REQUEST BODY"
	Warning               Marker = "WARNING"
	RequestParsed         Marker = "REQUEST PARSED"
	InitializeDetected    Marker = "INITIALIZE DETECTED"
	SSEStreamStart        Marker = "SSE STREAM START"
	SSEEvent              Marker = "SSE EVENT"
	ProcessingRequest     Marker = "PROCESSING REQUEST"
	SessionCreated        Marker = "SESSION CREATED"
	NoInitialRequests     Marker = "NO INITIAL REQUESTS"
	StreamClosing         Marker = "STREAM CLOSING"
	Critical              Marker = "CRITICAL"
)

// Nth returns the marker with a counter appended, as the seed logs
// "SSE EVENT 0" and "PROCESSING REQUEST 1/1".
func (m Marker) Nth(n string) Marker { return m + " " + Marker(n) }

// MCP markers the seed had no name for. They come from the same wire
// observer (mcp_observer.go) as the seed's, so they are true to the bytes.
const (
	// KeepaliveSent: an SSE comment went out (the one right after the
	// headers, or one on an idle stream: the seed's "Fix A").
	KeepaliveSent Marker = "KEEPALIVE SENT"
	// StreamResumed: a GET carried Last-Event-ID (resumability).
	StreamResumed Marker = "STREAM RESUMED"
	// SessionDeleted: a DELETE ended a session.
	SessionDeleted Marker = "SESSION DELETED"
	// ClientDisconnected: the client went away while its response was open.
	ClientDisconnected Marker = "CLIENT DISCONNECTED"
	// RequestRefused: the server answered 4xx; the detail has status and reason.
	RequestRefused Marker = "REQUEST REFUSED"
	// FaultActive: a --fault is on (logged at startup and on each stream it
	// changes), so a log never hides that the server misbehaved on purpose.
	FaultActive Marker = "FAULT ACTIVE"
)

// MCP 2026-07-28 markers: the stateless lifecycle (no session, no
// initialize, a POST listen stream, nothing resumes), read from the same
// wire observer (mcp_era_markers.go).
const (
	// ServerDiscover: a server/discover response went out (the 2026-07-28
	// client's first request, in place of initialize).
	ServerDiscover Marker = "SERVER DISCOVER"
	// ListenSubscriptionOpened: a subscriptions/listen stream was
	// acknowledged; the detail names the notifications it carries.
	ListenSubscriptionOpened Marker = "LISTEN SUBSCRIPTION OPENED"
	// ListenSubscriptionClosed: that stream ended; the detail says why
	// (the connection closed, idle-close, the server) and after how long.
	ListenSubscriptionClosed Marker = "LISTEN SUBSCRIPTION CLOSED"
	// HeaderMismatch: a request was refused 400 -32020 because its
	// Mcp-Method/Mcp-Name/Mcp-Protocol-Version headers do not match its
	// body; the detail shows what arrived.
	HeaderMismatch Marker = "HEADER MISMATCH"
	// RequestLost: a call's stream ended before its response; nothing
	// resumes in 2026-07-28, so the client must re-issue it.
	RequestLost Marker = "REQUEST LOST"
	// RequestReissued: a call repeats one a broken stream lost, with a new id.
	RequestReissued Marker = "REQUEST REISSUED"
)
