package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func revokeForm(token, hint string) url.Values {
	v := url.Values{"token": {token}, "client_id": {"claude-desktop"}}
	if hint != "" {
		v.Set("token_type_hint", hint)
	}
	return v
}

// RFC 7009: revoking an access token kills it; revoking a refresh token
// kills its whole grant; the hint only orders the lookups.
func TestRevoke(t *testing.T) {
	for _, tc := range []struct {
		name          string
		token         func(servertest.TokenResponse) string
		hint          string
		accessRevoked bool
		refreshDead   bool
	}{
		{"access token", func(tr servertest.TokenResponse) string { return tr.AccessToken }, "", true, false},
		{"access token with wrong hint", func(tr servertest.TokenResponse) string { return tr.AccessToken }, "refresh_token", true, false},
		{"refresh token revokes grant", func(tr servertest.TokenResponse) string { return tr.RefreshToken }, "refresh_token", true, true},
		{"refresh token without hint", func(tr servertest.TokenResponse) string { return tr.RefreshToken }, "", true, true},
		{"unknown hint ignored", func(tr servertest.TokenResponse) string { return tr.AccessToken }, "id_token", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			ts.Protect("/mcp", okHandler())
			tok := ts.Token(t)
			tr := ts.PostToken(t, "/revoke", revokeForm(tc.token(tok), tc.hint), "", "")
			require.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
			assertMarker(t, ts, markers.TokenRevoked, "client_id=claude-desktop")
			got := ts.Get(t, "/mcp", tok.AccessToken).StatusCode
			assert.Equal(t, tc.accessRevoked, got == http.StatusUnauthorized, "access token status %d", got)
			rt := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
			assert.Equal(t, tc.refreshDead, rt.Error == "invalid_grant", "refresh: %d %s", rt.Status, rt.Error)
		})
	}
}

func TestRevokeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name       string
		form       func(tok servertest.TokenResponse, otherSecret string) url.Values
		user, pass string
		wantStatus int
		wantError  string
	}{
		{"unknown token is 200", func(servertest.TokenResponse, string) url.Values { return revokeForm("nope", "") }, "", "", 200, ""},
		{"no token", func(servertest.TokenResponse, string) url.Values { return revokeForm("", "") }, "", "", 400, "invalid_request"},
		{"no client", func(tok servertest.TokenResponse, _ string) url.Values { return url.Values{"token": {tok.AccessToken}} }, "", "", 401, "invalid_client"},
		{"another client's token", func(tok servertest.TokenResponse, _ string) url.Values {
			return url.Values{"token": {tok.AccessToken}}
		}, "other", "other-secret", 400, "unauthorized_client"},
		{"GET", nil, "", "", 405, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true, Clients: []server.StaticClient{{
				ClientID: "other", ClientSecret: "other-secret", RedirectURIs: []string{"https://other.example/cb"},
			}}})
			ts.Protect("/mcp", okHandler())
			tok := ts.Token(t)
			if tc.form == nil {
				resp := ts.Get(t, "/revoke", "")
				assert.Equal(t, tc.wantStatus, resp.StatusCode)
				return
			}
			tr := ts.PostToken(t, "/revoke", tc.form(tok, ""), tc.user, tc.pass)
			assert.Equal(t, tc.wantStatus, tr.Status)
			assert.Equal(t, tc.wantError, tr.Error)
			if tc.wantError != "" {
				assertMarker(t, ts, markers.OAuthRevokeFailed, "error="+tc.wantError)
				assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", tok.AccessToken).StatusCode, "refused revocation leaves the token alone")
			}
		})
	}
}
