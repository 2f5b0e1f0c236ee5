package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSecretInLog runs a whole OAuth + MCP flow, with its failure paths,
// in each log format, and fails if the log holds any secret in full: a
// client secret (right or guessed), the consent page's CSRF token, a code,
// a PKCE verifier, an access or refresh token (issued, rotated, revoked or
// made up). Secrets may appear only as server.Short's 8-character prefix.
//
// The Mcp-Session-Id is logged in full on purpose (every marker carries
// it, to follow one session through a log); it is not a credential: a
// session answers only requests with a token of the client that created
// it (TestSecuritySessionHijack).
func TestNoSecretInLog(t *testing.T) {
	for _, format := range []server.LogFormat{server.LogText, server.LogJSON} {
		t.Run(string(format), func(t *testing.T) {
			var log syncWriter
			var buf strings.Builder
			log.w = &buf
			ts := servertest.Start(t, server.Config{LogOutput: &log, LogFormat: format})
			secrets := runWholeFlow(t, ts)
			out := buf.String()
			require.NotEmpty(t, out)
			for name, s := range secrets {
				require.GreaterOrEqual(t, len(s), 16, "%s is a real secret", name)
				if strings.Contains(out, s) {
					t.Errorf("%s %s... is in the %s log in full", name, s[:8], format)
				}
			}
			// The scan reads the right log: the short forms are there.
			assert.Contains(t, out, server.Short(secrets["access token"]))
			assert.Contains(t, out, server.Short(secrets["code"]))
			if t.Failed() {
				t.Logf("log:\n%s", out)
			}
		})
	}
}

// runWholeFlow registers a confidential client, consents on the page,
// redeems the code, uses MCP, refreshes, replays, revokes, and tries a few
// bad credentials; it returns every secret it saw or sent, by name.
func runWholeFlow(t *testing.T, ts *servertest.Server) map[string]string {
	t.Helper()
	const cb = "http://127.0.0.1:9/cb"
	reg := register(t, ts, `{"redirect_uris":["`+cb+`"],"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"],"client_name":"hygiene"}`)
	require.Equal(t, http.StatusCreated, reg.Status, reg.ErrorDescription)

	p := servertest.NewPKCE()
	params := servertest.AuthorizeParams(p)
	params.Set("client_id", reg.ClientID)
	params.Set("redirect_uri", cb)
	resp, err := http.Get(ts.URL + "/authorize?" + params.Encode())
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindStringSubmatch(string(page))
	require.Len(t, m, 2, "consent page:\n%s", page)
	csrf := m[1]
	consent := postConsent(t, ts, url.Values{"csrf": {csrf}, "decision": {"approve"}}, "")
	require.Equal(t, http.StatusFound, consent.StatusCode)
	loc, err := consent.Location()
	require.NoError(t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb}, "code_verifier": {p.Verifier}}
	wrongSecret := servertest.NewPKCE().Verifier // 43 random characters
	bad := ts.PostToken(t, "/token", exchange, reg.ClientID, wrongSecret)
	require.Equal(t, "invalid_client", bad.Error)
	tok := ts.PostToken(t, "/token", exchange, reg.ClientID, reg.ClientSecret)
	require.Equal(t, http.StatusOK, tok.Status, tok.ErrorDescription)

	sid := initializeMCP(t, ts, tok.AccessToken)
	status, body := toolsList(t, ts, tok.AccessToken, sid)
	require.Equal(t, http.StatusOK, status, body)
	call, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, tok.AccessToken, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`))
	require.Equal(t, http.StatusOK, call.StatusCode, body)
	ctx, cancel := context.WithCancel(context.Background())
	listen, err := http.DefaultClient.Do(mcpRequest(t, ts, http.MethodGet, tok.AccessToken, sid, "").WithContext(ctx))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, listen.StatusCode)
	cancel()
	listen.Body.Close()
	madeUp := servertest.NewPKCE().Verifier
	refused, _ := doMCP(t, mcpRequest(t, ts, http.MethodPost, madeUp, sid, `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`))
	require.Equal(t, http.StatusUnauthorized, refused.StatusCode)

	rot := ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, reg.ClientID, reg.ClientSecret)
	require.Equal(t, http.StatusOK, rot.Status, rot.ErrorDescription)
	status, _ = toolsList(t, ts, rot.AccessToken, sid)
	require.Equal(t, http.StatusOK, status)
	del, _ := doMCP(t, mcpRequest(t, ts, http.MethodDelete, rot.AccessToken, sid, ""))
	require.Less(t, del.StatusCode, 300)

	replay := ts.PostToken(t, "/token", exchange, reg.ClientID, reg.ClientSecret)
	require.Equal(t, "invalid_grant", replay.Error, "code replay")
	reuse := ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, reg.ClientID, reg.ClientSecret)
	require.Equal(t, "invalid_grant", reuse.Error, "refresh reuse")
	revoke := ts.PostToken(t, "/revoke", url.Values{"token": {rot.RefreshToken}}, reg.ClientID, reg.ClientSecret)
	require.Equal(t, http.StatusOK, revoke.Status)
	wrongRevoke := ts.PostToken(t, "/revoke", url.Values{"token": {rot.AccessToken}, "client_id": {reg.ClientID}, "client_secret": {wrongSecret}}, "", "")
	require.Equal(t, "invalid_client", wrongRevoke.Error)

	return map[string]string{
		"client secret":         reg.ClientSecret,
		"wrong client secret":   wrongSecret,
		"consent CSRF token":    csrf,
		"code":                  code,
		"code verifier":         p.Verifier,
		"access token":          tok.AccessToken,
		"refresh token":         tok.RefreshToken,
		"rotated access token":  rot.AccessToken,
		"rotated refresh token": rot.RefreshToken,
		"made-up bearer token":  madeUp,
	}
}
