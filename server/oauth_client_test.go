package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var scopeDetail = regexp.MustCompile(`scope="([^"]*)"`)

// whoamiOut is what the test tool returns: the token info go-sdk handed it.
type whoamiOut struct {
	UserID   string `json:"user_id"`
	ClientID string `json:"client_id"`
	Resource string `json:"resource"`
}

// protectedMCP returns a go-sdk Streamable HTTP handler with one tool,
// whoami, that reports the caller's token info.
func protectedMCP() http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "protected", Version: "test"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "the caller's token info"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoamiOut, error) {
			ti := req.Extra.TokenInfo
			if ti == nil {
				return nil, whoamiOut{}, fmt.Errorf("no token info")
			}
			return nil, whoamiOut{UserID: ti.UserID, ClientID: fmt.Sprint(ti.Extra["client_id"]), Resource: fmt.Sprint(ti.Extra["resource"])}, nil
		})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
}

// headlessBrowser follows the authorization URL like a browser that
// auto-approves, without contacting the redirect URI: it reads the code,
// state and iss from the Location header.
func headlessBrowser(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := servertest.NoRedirect.Do(req)
	if err != nil {
		return nil, fmt.Errorf("visit authorization URL: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorization answered %d without a redirect", resp.StatusCode)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("authorization error %s: %s", e, q.Get("error_description"))
	}
	return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
}

// A real client completes the flow: go-sdk's AuthorizationCodeHandler does
// PRM discovery from the 401, authorization server metadata, dynamic
// client registration, PKCE S256 and the code exchange, then lists and
// calls tools over Streamable HTTP with the token.
func TestGoSDKClientAuthorizationCodeFlow(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		ts.Protect("/mcp", protectedMCP())

		oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName:              "go-sdk test client",
				RedirectURIs:            []string{"http://127.0.0.1:1/callback"},
				TokenEndpointAuthMethod: "none",
				GrantTypes:              []string{"authorization_code", "refresh_token"},
			}},
			AuthorizationCodeFetcher: headlessBrowser,
			RequestRefreshToken:      true,
		})
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client := mcp.NewClient(&mcp.Implementation{Name: "go-sdk-test", Version: "test"}, nil)
		session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: ts.URL + "/mcp", OAuthHandler: oauth}, nil)
		require.NoError(t, err)
		defer session.Close()

		tools, err := session.ListTools(ctx, nil)
		require.NoError(t, err)
		require.Len(t, tools.Tools, 1)
		assert.Equal(t, "whoami", tools.Tools[0].Name)

		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
		require.NoError(t, err)
		require.False(t, res.IsError, "whoami: %v", res.Content)
		out, _ := res.StructuredContent.(map[string]any)
		assert.Equal(t, "mcpvcr-user", out["user_id"])
		assert.Equal(t, ts.URL+"/mcp", out["resource"], "go-sdk sends resource = the MCP URL")
		assert.Contains(t, out["client_id"], "mcpvcr-", "a dynamically registered client")

		markers := ts.Events.Markers()
		for _, m := range []server.Marker{server.OAuthClientRegistered, server.OAuthAuthorizeStart, server.OAuthCodeGenerated,
			server.OAuthTokenStart, server.AccessTokenGenerated, server.RefreshTokenGenerated, server.AccessTokenStored,
			server.OAuthFlow, server.AuthFailed, server.OAuthSuccess, server.AuthSuccess} {
			assert.Contains(t, markers, m)
		}
		// go-sdk asks for the PRM's scopes plus offline_access (the metadata
		// lists it and RequestRefreshToken is set), in no fixed order.
		var scope []string
		for _, e := range ts.Events.All() {
			if e.Marker == server.OAuthCodeGenerated {
				if m := scopeDetail.FindStringSubmatch(e.Detail); m != nil {
					scope = strings.Fields(m[1])
				}
			}
		}
		assert.ElementsMatch(t, []string{"mcp", "offline_access"}, scope)
	})
}
