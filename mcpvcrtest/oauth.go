package mcpvcrtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// OAuthClient is an MCP client's side of OAuth 2.1 against any issuer that
// approves without a person (oauthclient.Client): Discover, Register,
// Authorize, Exchange and Refresh, or Token for the whole flow. Its errors
// from an endpoint are *oauthclient.Error.
type OAuthClient = oauthclient.Client

// Redirect URIs an OAuthClient can name (nothing ever connects to them).
const (
	LoopbackCallback = oauthclient.LoopbackCallback
	ClaudeCallback   = oauthclient.ClaudeCallback
)

// NewPKCE returns a fresh S256 PKCE pair (a 43-character verifier).
func NewPKCE() oauthclient.PKCE { return oauthclient.NewPKCE() }

// HeadlessConsent is go-sdk's AuthorizationCodeFetcher for a server that
// approves without a person: give it to auth.AuthorizationCodeHandlerConfig
// so go-sdk's own client runs its OAuth flow in a test.
func HeadlessConsent(hc *http.Client) auth.AuthorizationCodeFetcher {
	return oauthclient.HeadlessConsent(hc)
}

// Token runs the whole OAuth flow (discovery, registration, PKCE, code
// exchange) against the server and returns the token; it fails t when the
// server refuses. The server must auto-approve (Config.AutoApprove).
func (s *Server) Token(t testing.TB) *oauthclient.Token {
	t.Helper()
	tok, err := (&OAuthClient{Issuer: s.URL}).Token(context.Background())
	if err != nil {
		t.Fatalf("OAuth flow against %s: %v", s.URL, err)
	}
	return tok
}
