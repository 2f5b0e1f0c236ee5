package recordfixtures

import (
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/internal/referenceservers"
)

// Fixture is one recorded session under fixtures/ and how to re-record it.
type Fixture struct {
	// Name is the file name under fixtures/, without ".yaml".
	Name string
	// Client says who speaks, for the log ("go-sdk v1.8.0 client").
	Client string
	// Source goes to the provenance: harness.SourceCaptured for a real
	// client, harness.SourceAssembled + ": what the script followed" for a
	// scripted one.
	Source string
	// Why the fixture is kept (the provenance's "why").
	Why string
	// Run is an in-process Go client; or
	Run fixtureclients.Session
	// Command is an external client. "${URL}" is the recorder's base URL
	// (also in $MCPVCR_URL); other ${VAR}s come from the environment.
	Command []string
	// Env is added to Command's environment ("MCPVCR_OAUTH=1").
	Env []string
	// Needs names environment variables Command needs (a runtime's path);
	// without them the entry is skipped with a note, not failed.
	Needs []string
	// Server is the reference server recorded from and replayed against;
	// nil means a fresh `mcpvcr serve --auto-approve`.
	Server *referenceservers.Server
	// Timeout bounds the whole entry; 0 means a minute.
	Timeout time.Duration
}

// ThirdPartyDir is the folder under fixtures/ of the recordings from
// reference servers: they replay against their own server, not against
// `mcpvcr serve`, so the demo's matrix (fixtures/*.yaml) leaves them out.
const ThirdPartyDir = "thirdparty"

// File is the fixture's path under fixtures/: NAME.yaml, or
// thirdparty/NAME.yaml for a reference server's.
func (f Fixture) File() string {
	if f.Server != nil {
		return ThirdPartyDir + "/" + f.Name + ".yaml"
	}
	return f.Name + ".yaml"
}

// Catalog lists every fixture `make fixtures` re-records, in order. Adding
// a real client is one entry: a Command that runs it against ${URL} (the
// recorder's base URL; the MCP endpoint is ${URL}/mcp) through one whole
// session without input, and exits 0. mk/fixtures.mk gives commands
// ${NODE} (a node binary), ${NODE_CLIENTS} (.cache/node, where
// internal/nodeclients/*.mjs sit beside the pinned node_modules) and
// ${MCP_REMOTE} (mcp-remote's proxy.js); typescript_sdk_oauth_session and
// mcp_remote_oauth_session below are such entries.
var Catalog = []Fixture{
	{
		Name:   "gosdk_oauth_session",
		Client: "go-sdk v1.8.0 client (mcp.StreamableClientTransport + auth.NewAuthorizationCodeHandler)",
		Source: harness.SourceCaptured,
		Why: "go-sdk's own client, unchanged: 401, PRM and AS discovery, DCR, PKCE S256 with a refresh token, " +
			"initialize (protocol 2025-11-25, priming events), the GET listen stream, logging/setLevel, tools/list, " +
			"echo, notify (two log messages on the listen stream), whoami, DELETE",
		Run: fixtureclients.GoSDK,
	},
	{
		Name:   "gosdk_2026_oauth_session",
		Client: "go-sdk v1.8.0 client at its default protocol 2026-07-28 (mcp.StreamableClientTransport + auth.NewAuthorizationCodeHandler)",
		Source: harness.SourceCaptured,
		Why: "go-sdk's own client at 2026-07-28 against mcpvcr's stateless path: 401, PRM and AS discovery, DCR, PKCE S256 with a refresh token, " +
			"then no session and no initialize: server/discover, subscriptions/listen (acknowledged, held open), tools/list, echo, " +
			"slow with two notifications/progress on its own stream, whoami, every request with _meta and Mcp-Method/Mcp-Name, " +
			"and the client closing the listen stream (no DELETE)",
		Run: fixtureclients.GoSDK2026,
	},
	{
		Name:   "assembled_claude_connector_order",
		Client: "scripted HTTP client (fixtureclients.ClaudeConnectorOrder)",
		Source: harness.SourceAssembled + ": a scripted client sent the requests of docs/field-failures.md \"What Claude's connector sends, in order\" " +
			"(clientInfo claude-ai 0.1.0, protocol 2025-06-18, Claude's callback, User-Agent Claude-User on MCP calls); " +
			"the traffic is real, the client is not Claude",
		Why: "Claude's observed connector order: POST /mcp without a token -> 401, PRM path-inserted first, AS metadata, " +
			"/register, /authorize, AS metadata again, /token, initialize, notifications/initialized -> 202, " +
			"GET listen stream, tools/list, prompts/list, resources/list, DELETE",
		Run: fixtureclients.ClaudeConnectorOrder,
	},
	{
		Name:   "assembled_seed_curl_walkthrough",
		Client: "scripted HTTP client (fixtureclients.SeedCurlWalkthrough)",
		Source: harness.SourceAssembled + ": a scripted client followed seed/NEXT_STEPS.md \"Option 2: Test with curl\" " +
			"(client claude-desktop, redirect https://claude.ai/api/mcp/auth_callback, scope claudeai, protocol 2025-06-18) " +
			"with a correct PKCE S256 pair instead of the walk-through's test123/test123verifier, which a correct server refuses; " +
			"then notifications/initialized, the listen stream, tools/list, DELETE",
		Why: "the seed's own manual test: the sessionless GET /mcp of its step 2 is refused (400), " +
			"initialize with curl's Accept */* and no capabilities works, and the listen stream opens once there is a session",
		Run: fixtureclients.SeedCurlWalkthrough,
	},
	{
		Name:   "typescript_sdk_oauth_session",
		Client: "@modelcontextprotocol/sdk 1.32.2 client (StreamableHTTPClientTransport + headless OAuth provider), internal/nodeclients/record-session.mjs",
		Source: harness.SourceCaptured,
		Why: "the TypeScript SDK's own client, unchanged but for a browserless OAuthClientProvider: 401, PRM and AS discovery, DCR, " +
			"PKCE S256, token, initialize (protocol 2025-11-25), notifications/initialized, the GET listen stream, tools/list, " +
			"logging/setLevel, echo, notify (its log message on the listen stream), whoami, DELETE",
		Command: []string{"${NODE}", "${NODE_CLIENTS}/record-session.mjs", "${URL}/mcp"},
		Env:     []string{"MCPVCR_OAUTH=1"},
		Needs:   []string{"NODE", "NODE_CLIENTS"},
	},
	{
		Name:   "mcp_remote_oauth_session",
		Client: "mcp-remote 0.15.1 (the stdio bridge Claude Desktop users run), driven over stdio by internal/nodeclients/mcp-remote-session.mjs",
		Source: harness.SourceCaptured,
		Why: "what Claude Desktop sends through `npx mcp-remote URL`: its own OAuth (DCR with a loopback callback, " +
			"the authorization URL opened in a headless $BROWSER, PKCE, token), then initialize (protocol 2025-06-18 from the stdio side), " +
			"notifications/initialized, tools/list, echo, and its shutdown when stdin ends",
		Command: []string{"${NODE}", "${NODE_CLIENTS}/mcp-remote-session.mjs", "${MCP_REMOTE}", "${URL}/mcp"},
		Needs:   []string{"NODE", "NODE_CLIENTS", "MCP_REMOTE"},
	},
	{
		Name:   "server_everything_stateful_session",
		Client: "go-sdk v1.8.0 client (mcp.StreamableClientTransport, no auth, no client capabilities), fixtureclients.EverythingTS",
		Source: harness.SourceCaptured,
		Why: "a server nobody here wrote, the official TypeScript reference server: initialize, the GET listen stream, tools/list, " +
			"trigger-long-running-operation with a progress token (four notifications/progress on its POST stream), " +
			"gzip-file-as-resource of a data: URI (notifications/resources/list_changed on the listen stream), resources/list, echo, DELETE",
		Run:    fixtureclients.EverythingTS,
		Server: &referenceservers.EverythingTS,
	},
	{
		Name:   "gosdk_everything_server_stateful_session",
		Client: "go-sdk v1.8.0 client (mcp.StreamableClientTransport, no auth, no client capabilities), fixtureclients.EverythingGo",
		Source: harness.SourceCaptured,
		Why: "a server nobody here wrote, go-sdk's conformance server with sessions: initialize, the GET listen stream, tools/list, " +
			"test_tool_with_progress with a progress token (three notifications/progress on its POST stream), " +
			"test_trigger_tool_change (notifications/tools/list_changed on the listen stream), tools/list, test_simple_text, DELETE",
		Run:    fixtureclients.EverythingGo,
		Server: &referenceservers.EverythingGo,
	},
	{
		Name:   "gosdk_everything_server_stateless_session",
		Client: "go-sdk v1.8.0 client (mcp.StreamableClientTransport, no auth, no client capabilities), fixtureclients.EverythingGoStateless",
		Source: harness.SourceCaptured,
		Why: "a server nobody here wrote, go-sdk's conformance server in its default stateless mode, where go-sdk's client speaks " +
			"protocol 2026-07-28: server/discover instead of initialize, no Mcp-Session-Id, the listen stream a POST of subscriptions/listen; " +
			"tools/list, test_tool_with_progress with a progress token (three notifications/progress on its POST stream), " +
			"test_trigger_tool_change (notifications/tools/list_changed on the listen stream), tools/list, test_simple_text, then the client cancels the listen stream",
		Run:    fixtureclients.EverythingGoStateless,
		Server: &referenceservers.EverythingGoStateless,
	},
}
