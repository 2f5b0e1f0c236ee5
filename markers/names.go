package markers

// Name names one step of the OAuth + MCP lifecycle. Each is logged as
//
//	=== NAME === detail
//
// in the vocabulary of the seed's debugging notes (docs/field-failures.md, "Where it started"),
// so a log from mcpvcr reads like the log that took days to get from
// `docker logs`. The whole catalog lives in this file; docs/markers.md lists
// what each one means.
type Name string

// OAuth authorization server markers. The first five are the seed's; the
// rest name the steps the seed never logged but a debugging session needs
// (who registered, which consent, which token was rotated or revoked).
// Secrets appear in details only through Short.
const (
	OAuthAuthorizeStart   Name = "OAUTH AUTHORIZE START"
	OAuthCodeGenerated    Name = "OAUTH CODE GENERATED"
	OAuthTokenStart       Name = "OAUTH TOKEN START"
	AccessTokenGenerated  Name = "ACCESS TOKEN GENERATED"
	AccessTokenStored     Name = "ACCESS TOKEN STORED"
	OAuthClientRegistered Name = "OAUTH CLIENT REGISTERED"
	OAuthConsentShown     Name = "OAUTH CONSENT SHOWN"
	OAuthConsentGranted   Name = "OAUTH CONSENT GRANTED"
	RefreshTokenGenerated Name = "REFRESH TOKEN GENERATED"
	RefreshTokenRotated   Name = "REFRESH TOKEN ROTATED"
	TokenRevoked          Name = "TOKEN REVOKED"
	// OAuthClientMetadata: a client ID metadata document was fetched and
	// accepted (its client_id is the document's URL; server/oauth_cimd.go).
	OAuthClientMetadata Name = "OAUTH CLIENT METADATA"
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
	OAuthRegisterFailed  Name = "OAUTH REGISTER FAILED"
	OAuthAuthorizeFailed Name = "OAUTH AUTHORIZE FAILED"
	OAuthConsentDenied   Name = "OAUTH CONSENT DENIED"
	OAuthTokenFailed     Name = "OAUTH TOKEN FAILED"
	OAuthRevokeFailed    Name = "OAUTH REVOKE FAILED"
	CodeReuse            Name = "OAUTH CODE REUSE"
	RefreshTokenReuse    Name = "REFRESH TOKEN REUSE"
	RedisUnavailable     Name = "REDIS UNAVAILABLE"
)

// Resource (bearer token) markers, logged for every protected request:
// OAUTH FLOW, then OAUTH SUCCESS and AUTH SUCCESS, or AUTH FAILED with the
// reason.
const (
	OAuthFlow    Name = "OAUTH FLOW"
	OAuthSuccess Name = "OAUTH SUCCESS"
	AuthSuccess  Name = "AUTH SUCCESS"
	AuthFailed   Name = "AUTH FAILED"
)

// MCP transport markers, in the order of the seed's "Successful Flow" and
// "Failed Flow". SSEEvent and ProcessingRequest carry a counter in their
// name ("SSE EVENT 0", "PROCESSING REQUEST 1/1"): build them with Nth.
const (
	MCPSSEConnectionStart Name = "MCP SSE CONNECTION START"
	RequestBody           Name = "REQUEST BODY"
	Warning               Name = "WARNING"
	RequestParsed         Name = "REQUEST PARSED"
	InitializeDetected    Name = "INITIALIZE DETECTED"
	SSEStreamStart        Name = "SSE STREAM START"
	SSEEvent              Name = "SSE EVENT"
	ProcessingRequest     Name = "PROCESSING REQUEST"
	SessionCreated        Name = "SESSION CREATED"
	NoInitialRequests     Name = "NO INITIAL REQUESTS"
	StreamClosing         Name = "STREAM CLOSING"
	Critical              Name = "CRITICAL"
)

// Nth returns the marker with a counter appended, as the seed logs
// "SSE EVENT 0" and "PROCESSING REQUEST 1/1".
func (m Name) Nth(n string) Name { return m + " " + Name(n) }

// MCP markers the seed had no name for. They come from the same wire
// observer (server/mcp_observer.go) as the seed's, so they are true to the bytes.
const (
	// KeepaliveSent: an SSE comment went out (the one right after the
	// headers, or one on an idle stream: the seed's "Fix A").
	KeepaliveSent Name = "KEEPALIVE SENT"
	// StreamResumed: a GET carried Last-Event-ID (resumability).
	StreamResumed Name = "STREAM RESUMED"
	// SessionDeleted: a DELETE ended a session.
	SessionDeleted Name = "SESSION DELETED"
	// ClientDisconnected: the client went away while its response was open.
	ClientDisconnected Name = "CLIENT DISCONNECTED"
	// RequestRefused: the server answered 4xx; the detail has status and reason.
	RequestRefused Name = "REQUEST REFUSED"
	// FaultActive: a --fault is on (logged at startup and on each stream it
	// changes), so a log never hides that the server misbehaved on purpose.
	FaultActive Name = "FAULT ACTIVE"
)

// MCP 2026-07-28 markers: the stateless lifecycle (no session, no
// initialize, a POST listen stream, nothing resumes), read from the same
// wire observer (server/mcp_era_markers.go).
const (
	// ServerDiscover: a server/discover response went out (the 2026-07-28
	// client's first request, in place of initialize).
	ServerDiscover Name = "SERVER DISCOVER"
	// ListenSubscriptionOpened: a subscriptions/listen stream was
	// acknowledged; the detail names the notifications it carries.
	ListenSubscriptionOpened Name = "LISTEN SUBSCRIPTION OPENED"
	// ListenSubscriptionClosed: that stream ended; the detail says why
	// (the connection closed, idle-close, the server) and after how long.
	ListenSubscriptionClosed Name = "LISTEN SUBSCRIPTION CLOSED"
	// HeaderMismatch: a request was refused 400 -32020 because its
	// Mcp-Method/Mcp-Name/Mcp-Protocol-Version headers do not match its
	// body; the detail shows what arrived.
	HeaderMismatch Name = "HEADER MISMATCH"
	// RequestLost: a call's stream ended before its response; nothing
	// resumes in 2026-07-28, so the client must re-issue it.
	RequestLost Name = "REQUEST LOST"
	// RequestReissued: a call repeats one a broken stream lost, with a new id.
	RequestReissued Name = "REQUEST REISSUED"
)
