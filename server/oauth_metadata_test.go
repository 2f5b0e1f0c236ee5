package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode == http.StatusOK {
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	}
	return resp.StatusCode, m
}

func TestAuthorizationServerMetadata(t *testing.T) {
	ts := servertest.Start(t, server.Config{})
	status, m := getJSON(t, ts.URL+"/.well-known/oauth-authorization-server")
	require.Equal(t, http.StatusOK, status)
	want := map[string]any{
		"issuer":                                         ts.URL,
		"authorization_endpoint":                         ts.URL + "/authorize",
		"token_endpoint":                                 ts.URL + "/token",
		"registration_endpoint":                          ts.URL + "/register",
		"revocation_endpoint":                            ts.URL + "/revoke",
		"code_challenge_methods_supported":               []any{"S256"},
		"response_types_supported":                       []any{"code"},
		"grant_types_supported":                          []any{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":          []any{"none", "client_secret_post", "client_secret_basic"},
		"authorization_response_iss_parameter_supported": true,
	}
	for k, v := range want {
		assert.Equal(t, v, m[k], "metadata[%q]", k)
	}
	assert.NotContains(t, m, "jwks_uri", "no JWKS: tokens are opaque")
}

func TestIssuerIsExactlyAsConfigured(t *testing.T) {
	ts := servertest.Start(t, server.Config{Issuer: "https://mcp.example.test"})
	_, m := getJSON(t, ts.URL+"/.well-known/oauth-authorization-server")
	assert.Equal(t, "https://mcp.example.test", m["issuer"])
	assert.Equal(t, "https://mcp.example.test/token", m["token_endpoint"])
}

func TestIssuerWithPathRefused(t *testing.T) {
	_, err := server.New(server.Config{Issuer: "https://mcp.example.test/base"})
	assert.ErrorContains(t, err, "without a path")
}

func TestProtectedResourceMetadata(t *testing.T) {
	ts := servertest.Start(t, server.Config{})
	for _, tc := range []struct {
		name, path   string
		wantStatus   int
		wantResource string
	}{
		{"root", "/.well-known/oauth-protected-resource", 200, ts.URL},
		{"path-inserted mcp", "/.well-known/oauth-protected-resource/mcp", 200, ts.URL + "/mcp"},
		{"path-inserted sse", "/.well-known/oauth-protected-resource/sse", 200, ts.URL + "/sse"},
		{"unknown path", "/.well-known/oauth-protected-resource/other", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, m := getJSON(t, ts.URL+tc.path)
			require.Equal(t, tc.wantStatus, status)
			if status != 200 {
				return
			}
			assert.Equal(t, tc.wantResource, m["resource"])
			assert.Equal(t, []any{ts.URL}, m["authorization_servers"])
			assert.Equal(t, []any{"header"}, m["bearer_methods_supported"])
		})
	}
}

func TestMetadataCORSPreflight(t *testing.T) {
	ts := servertest.Start(t, server.Config{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp", "/token", "/register", "/revoke"} {
		req, _ := http.NewRequest(http.MethodOptions, ts.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, path)
		assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), path)
	}
}
