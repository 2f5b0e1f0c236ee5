package server

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// TestBothErasWithOAuth runs go-sdk's client at 2026-07-28 (its default:
// server/discover, no session, a subscriptions/listen stream) and the
// TypeScript SDK client at 2025-11-25 (initialize, a session, the GET
// listen stream and its resumption) against one running server with the
// bearer check on. Each registers itself, authorizes with PKCE and calls
// tools with its own token; the 2026-07-28 client stays connected, its
// listen subscription open, through the whole TypeScript session, and
// still calls tools after it.
func TestBothErasWithOAuth(t *testing.T) {
	node, dir := typeScriptClient(t)
	gate := newResumeGate()
	s := startMCPServer(t, Config{AutoApprove: true}, gate.wrap)
	ctx := t.Context()

	oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName:              "mcpvcr-go-2026",
			RedirectURIs:            []string{"http://127.0.0.1:1/callback"},
			TokenEndpointAuthMethod: "none",
			GrantTypes:              []string{"authorization_code", "refresh_token"},
		}},
		AuthorizationCodeFetcher: oauthclient.HeadlessConsent(nil),
	})
	if err != nil {
		t.Fatalf("NewAuthorizationCodeHandler: %v", err)
	}
	// A list-changed handler makes go-sdk open subscriptions/listen.
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpvcr-go-2026", Version: "0"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {},
	})
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: s.Client(), OAuthHandler: oauth}, nil)
	if err != nil {
		t.Fatalf("connect at 2026-07-28: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Fatalf("go-sdk negotiated %s, want 2026-07-28", v)
	}
	whoami := func() string {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
		if err != nil {
			t.Fatalf("2026-07-28 tools/call whoami: %v", err)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	goBefore := whoami()

	tsWhoami := runTypeScriptClient(t, s, gate, node, dir)

	goAfter := whoami()
	if goAfter != goBefore {
		t.Errorf("2026-07-28 whoami changed during the TypeScript session: %s, then %s", goBefore, goAfter)
	}
	clientID := func(name string) string {
		registered := s.markers.waitMarker(t, markers.OAuthClientRegistered, name)
		return strings.Fields(strings.TrimPrefix(registered.Detail, "client_id="))[0]
	}
	checkWhoami(t, goAfter, Whoami{ClientID: clientID("mcpvcr-go-2026"), Subject: localSubject, Scopes: []string{"mcp"}, Audience: s.URL + "/mcp"})
	checkWhoami(t, tsWhoami, Whoami{ClientID: clientID("mcpvcr-ts-client"), Subject: localSubject, Scopes: []string{"mcp"}, Audience: s.URL + "/mcp"})

	// From the wire: the TypeScript client had a session and resumed its
	// GET stream; no 2026-07-28 request carried or created one.
	s.markers.waitMarker(t, markers.SessionCreated, "")
	resumed := s.markers.waitMarker(t, markers.StreamResumed, "")
	authorizedResume(t, s, resumed.RequestID)
	stateless := 0
	for _, e := range s.markers.snapshot() {
		if e.Name == markers.ProcessingRequest.Nth("1/1") && (strings.Contains(e.Detail, "server/discover") || strings.Contains(e.Detail, "subscriptions/listen")) {
			stateless++
			if e.SessionID != "" {
				t.Errorf("2026-07-28 request in a session: %s", e)
			}
		}
	}
	if stateless != 2 {
		t.Errorf("server/discover and subscriptions/listen requests = %d, want 2:\n%s", stateless, eventLines(s.markers.snapshot()))
	}
}
