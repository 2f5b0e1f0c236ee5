package fixtureclients

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ClaudeCallback is Claude's OAuth callback (field failure 19). Nothing
// ever contacts it: the scripts read the code from the Location header.
const ClaudeCallback = "https://claude.ai/api/mcp/auth_callback"

// claudeMCPUserAgent is the User-Agent Claude's MCP calls carried in the
// field notes (item 22).
const claudeMCPUserAgent = "Claude-User"

// ClaudeConnectorOrder is NOT Claude: it is a scripted client that sends
// what docs/field-failures.md ("What Claude's connector sends, in order") saw Claude's
// connector send, in that order:
//
//	POST /mcp without a token -> 401 with WWW-Authenticate
//	GET the PRM, path-inserted first (/.well-known/oauth-protected-resource/mcp)
//	GET the authorization-server metadata
//	POST /register (DCR, Claude's callback)
//	GET /authorize (the user's browser; the server auto-approves)
//	GET the authorization-server metadata again
//	POST /token
//	POST initialize with the bearer token: clientInfo claude-ai 0.1.0, protocol 2025-06-18
//	POST notifications/initialized -> 202
//	GET /mcp, the listen stream
//	POST tools/list, prompts/list, resources/list
//	DELETE /mcp at teardown
//
// The fixture it produces is labelled assembled, not captured.
func ClaudeConnectorOrder(ctx context.Context, base string) error {
	s := &script{ctx: ctx, base: base}
	initialize := map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "claude-ai", "version": "0.1.0"},
	}
	const accept = "application/json, text/event-stream"

	r, err := s.call("initialize", initialize, true, accept, http.StatusUnauthorized)
	if err != nil {
		return fmt.Errorf("unauthenticated initialize: %w", err)
	}
	if !strings.Contains(r.header.Get("WWW-Authenticate"), "resource_metadata=") {
		return fmt.Errorf("401 without resource_metadata: %q", r.header.Get("WWW-Authenticate"))
	}
	s.nextID = 0 // the 401'd initialize is sent again with the token

	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := s.getJSON("/.well-known/oauth-protected-resource/mcp", &prm); err != nil {
		return err
	}
	var as struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
		RegistrationEndpoint  string `json:"registration_endpoint"`
	}
	if err := s.getJSON("/.well-known/oauth-authorization-server", &as); err != nil {
		return err
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	if err := s.postJSON(pathOf(as.RegistrationEndpoint), map[string]any{
		"client_name":                "claude-ai",
		"redirect_uris":              []string{ClaudeCallback},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	}, http.StatusCreated, &client); err != nil {
		return err
	}
	verifier, challenge := pkce()
	code, err := s.authorize(url.Values{
		"response_type":         {"code"},
		"client_id":             {client.ClientID},
		"redirect_uri":          {ClaudeCallback},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"state":                 {randomState()},
		"scope":                 {strings.Join(prm.ScopesSupported, " ")},
		"resource":              {prm.Resource},
	})
	if err != nil {
		return err
	}
	if err := s.getJSON("/.well-known/oauth-authorization-server", &as); err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.postForm(pathOf(as.TokenEndpoint), url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {ClaudeCallback},
		"client_id":     {client.ClientID},
		"code_verifier": {verifier},
		"resource":      {prm.Resource},
	}, http.StatusOK, &tok); err != nil {
		return err
	}

	s.token, s.userAgent = tok.AccessToken, claudeMCPUserAgent
	r, err = s.call("initialize", initialize, true, accept, http.StatusOK)
	if err != nil {
		return err
	}
	if _, err := rpcResult(r); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	s.session, s.protocol = r.header.Get("Mcp-Session-Id"), "2025-06-18"
	if _, err := s.call("notifications/initialized", nil, false, accept, http.StatusAccepted); err != nil {
		return err
	}
	_, listening, err := s.listen(http.StatusOK)
	if err != nil {
		return err
	}
	for _, m := range []string{"tools/list", "prompts/list", "resources/list"} {
		// The server's default tool set has no prompts or resources: it
		// answers those with a JSON-RPC error, which is kept as is.
		if _, err := s.call(m, map[string]any{}, true, accept, http.StatusOK); err != nil {
			return err
		}
	}
	return s.endSession(ctx, listening)
}

// pathOf returns the path of an absolute endpoint URL from the metadata
// (which names the recorder, as the recorder rewrote it).
func pathOf(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Path == "" {
		return endpoint
	}
	return u.Path
}
