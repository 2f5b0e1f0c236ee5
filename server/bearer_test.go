package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
}

func getWithAuth(t *testing.T, ts *servertest.Server, path, authorization string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestBearerRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		// authorization returns the Authorization header for a good token.
		authorization func(t *testing.T, ts *servertest.Server, good servertest.TokenResponse) string
		path          string
		wantError     bool // error="invalid_token" in the challenge
		reason        string
	}{
		{"no header", func(*testing.T, *servertest.Server, servertest.TokenResponse) string { return "" }, "/mcp", false, "no bearer token"},
		{"basic scheme", func(*testing.T, *servertest.Server, servertest.TokenResponse) string { return "Basic YTpi" }, "/mcp", false, "no bearer token"},
		{"empty bearer", func(*testing.T, *servertest.Server, servertest.TokenResponse) string { return "Bearer" }, "/mcp", false, "no bearer token"},
		{"unknown token", func(*testing.T, *servertest.Server, servertest.TokenResponse) string { return "Bearer nope" }, "/mcp", true, "unknown, expired or revoked"},
		{"refresh token as access token", func(_ *testing.T, _ *servertest.Server, g servertest.TokenResponse) string {
			return "Bearer " + g.RefreshToken
		}, "/mcp", true, "unknown, expired or revoked"},
		{"expired", func(t *testing.T, ts *servertest.Server, g servertest.TokenResponse) string {
			ts.RequireMini(t)
			ts.Mini.FastForward(3600*time.Second + time.Second)
			return "Bearer " + g.AccessToken
		}, "/mcp", true, "unknown, expired or revoked"},
		{"revoked", func(t *testing.T, ts *servertest.Server, g servertest.TokenResponse) string {
			tr := ts.PostToken(t, "/revoke", url.Values{"token": {g.AccessToken}, "client_id": {"claude-desktop"}}, "", "")
			require.Equal(t, http.StatusOK, tr.Status)
			return "Bearer " + g.AccessToken
		}, "/mcp", true, "unknown, expired or revoked"},
		{"sse path challenge", func(*testing.T, *servertest.Server, servertest.TokenResponse) string { return "" }, "/sse", false, "no bearer token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			ts.Protect("/mcp", okHandler())
			ts.Protect("/sse", okHandler())
			good := ts.Token(t)
			resp := getWithAuth(t, ts, tc.path, tc.authorization(t, ts, good))
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			challenge := resp.Header.Get("WWW-Authenticate")
			assert.True(t, strings.HasPrefix(challenge, fmt.Sprintf(`Bearer resource_metadata="%s/.well-known/oauth-protected-resource%s"`, ts.URL, tc.path)), "challenge %q", challenge)
			if tc.wantError {
				assert.Contains(t, challenge, `error="invalid_token"`)
			} else {
				assert.NotContains(t, challenge, "error=", "RFC 6750 §3.1: no error without a token")
			}
			var body map[string]string
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.Contains(t, body["error_description"], tc.reason)
			assert.Equal(t, []markers.Name{markers.OAuthFlow, markers.AuthFailed}, lastMarkers(ts, 2))
			assertMarker(t, ts, markers.AuthFailed, tc.reason)
		})
	}
}

// lastMarkers returns the last n markers logged.
func lastMarkers(ts *servertest.Server, n int) []markers.Name {
	m := ts.Events.Markers()
	if len(m) < n {
		return m
	}
	return m[len(m)-n:]
}

// A token minted by the same Redis for another issuer (the server moved,
// or two servers share a Redis) fails the audience check (field failure 20).
func TestBearerAudienceMismatch(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		a := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		url := redisURL
		if a.Mini != nil {
			url = "redis://" + a.Mini.Addr()
		}
		b := servertest.Start(t, server.Config{RedisURL: url, RedisKeyPrefix: a.KeyPrefix, AutoApprove: true})
		b.Protect("/mcp", okHandler())
		tok := a.Token(t)
		resp := getWithAuth(t, b, "/mcp", "Bearer "+tok.AccessToken)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
		assertMarker(t, b, markers.AuthFailed, "token audience")
	})
}

func TestBearerAcceptsLowercaseScheme(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	ts.Protect("/mcp", okHandler())
	tok := ts.Token(t)
	assert.Equal(t, http.StatusOK, getWithAuth(t, ts, "/mcp", "bearer "+tok.AccessToken).StatusCode)
}

// Downstream handlers (go-sdk's MCP handlers) read the token's info with
// auth.TokenInfoFromContext.
func TestBearerTokenInfoDownstream(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		infos := make(chan *auth.TokenInfo, 1)
		ts.Protect("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			infos <- auth.TokenInfoFromContext(r.Context())
		}))
		p := servertest.NewPKCE()
		resp, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "resource", ts.URL+"/mcp"))
		require.NotNil(t, loc, "GET /authorize did not redirect (status %d)", resp.StatusCode)
		tok := ts.ExchangeCode(t, loc.Query().Get("code"), p)
		require.Equal(t, http.StatusOK, tok.Status, tok.ErrorDescription)
		issued := time.Now()
		require.Equal(t, http.StatusOK, ts.Get(t, "/mcp", tok.AccessToken).StatusCode)

		ti := <-infos
		require.NotNil(t, ti)
		assert.Equal(t, "mcpvcr-user", ti.UserID)
		assert.Equal(t, []string{"claudeai"}, ti.Scopes)
		assert.Equal(t, "claude-desktop", ti.Extra["client_id"])
		assert.Equal(t, ts.URL+"/mcp", ti.Extra["resource"])
		assert.WithinDuration(t, issued.Add(time.Hour), ti.Expiration, 5*time.Second)
		assert.Equal(t, []markers.Name{markers.OAuthFlow, markers.OAuthSuccess, markers.AuthSuccess}, lastMarkers(ts, 3))
	})
}

// The context must not be what makes a request slow: a bearer check against
// a live Redis finishes well within the request's own deadline.
func TestBearerHonoursRequestContext(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	ts.Protect("/mcp", okHandler())
	tok := ts.Token(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// syncWriter serializes writes to w (the logger writes under its own lock,
// the test reads after the requests are done).
type syncWriter struct{ w io.Writer }

func (s *syncWriter) Write(p []byte) (int, error) { return s.w.Write(p) }
