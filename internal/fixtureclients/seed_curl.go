package fixtureclients

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// SeedCurlWalkthrough is a scripted client that follows the seed's own curl
// walk-through (seed/NEXT_STEPS.md, "Option 2: Test with curl") against the
// built-in public client claude-desktop:
//
//	GET /authorize?client_id=claude-desktop&redirect_uri=https://claude.ai/api/mcp/auth_callback
//	    &code_challenge=...&code_challenge_method=S256&state=teststate&scope=claudeai
//	POST /token (form: authorization_code, code, redirect_uri, client_id, code_verifier)
//	GET /mcp with the bearer token and no session (curl -N): refused, there is no session yet
//	POST /mcp initialize, protocol 2025-06-18, clientInfo test-client 1.0.0, curl's Accept: */*
//
// with one correction: the walk-through's PKCE pair (code_challenge=test123,
// code_verifier=test123verifier) is not an S256 pair and a correct server
// refuses it (field failure 21), so a fresh, correct pair is used. Then
// it finishes what the walk-through was after: notifications/initialized,
// the listen stream with the session, tools/list, and DELETE.
//
// The fixture it produces is labelled assembled, not captured.
func SeedCurlWalkthrough(ctx context.Context, base string) error {
	s := &script{ctx: ctx, base: base}
	verifier, challenge := pkce()
	code, err := s.authorize(url.Values{
		"response_type":         {"code"},
		"client_id":             {"claude-desktop"},
		"redirect_uri":          {ClaudeCallback},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"state":                 {"teststate"},
		"scope":                 {"claudeai"},
	})
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.postForm("/token", url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {ClaudeCallback},
		"client_id":     {"claude-desktop"},
		"code_verifier": {verifier},
	}, http.StatusOK, &tok); err != nil {
		return err
	}
	s.token = tok.AccessToken

	// Step 2 of the walk-through: a GET before any initialize. A
	// Streamable HTTP server has no session to attach it to.
	req, err := s.mcpRequest(http.MethodGet, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "*/*")
	if r, err := s.send(req, 0); err != nil {
		return err
	} else if r.status == http.StatusOK {
		return fmt.Errorf("GET /mcp without a session = 200, want a refusal")
	}

	// Step 3: initialize as the walk-through types it (no capabilities).
	r, err := s.call("initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"clientInfo":      map[string]any{"name": "test-client", "version": "1.0.0"},
	}, true, "*/*", http.StatusOK)
	if err != nil {
		return err
	}
	if _, err := rpcResult(r); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	s.session, s.protocol = r.header.Get("Mcp-Session-Id"), "2025-06-18"

	// What the walk-through was after: the session's listen stream open
	// while requests flow as separate POSTs (the seed's Fix B).
	const accept = "application/json, text/event-stream"
	if _, err := s.call("notifications/initialized", nil, false, accept, http.StatusAccepted); err != nil {
		return err
	}
	_, listening, err := s.listen(http.StatusOK)
	if err != nil {
		return err
	}
	if _, err := s.call("tools/list", map[string]any{}, true, accept, http.StatusOK); err != nil {
		return err
	}
	return s.endSession(ctx, listening)
}
