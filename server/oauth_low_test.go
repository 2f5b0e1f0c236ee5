package server_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// TestSecurityLowShortCodeChallengeRefused is issue 12 Low: a 1-character
// code_challenge was accepted. An S256 challenge is 43 characters.
func TestSecurityLowShortCodeChallengeRefused(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	for _, ch := range []string{"a", "test123", "0123456789012345678901234567890123456789ab"} {
		_, loc := ts.Authorize(t, servertest.AuthorizeParams(servertest.PKCE{Challenge: ch}))
		require.NotNil(t, loc, "challenge %q", ch)
		assert.Equal(t, "invalid_request", loc.Query().Get("error"), "challenge %q (%d characters)", ch, len(ch))
	}
}

// TestSecurityLowTokenNeedsRedirectURIWhenAuthorizeHadOne is issue 12
// Low: /token accepted an omitted redirect_uri although /authorize had
// one (RFC 6749 §4.1.3).
func TestSecurityLowTokenNeedsRedirectURIWhenAuthorizeHadOne(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	p := servertest.NewPKCE()
	form := tokenForm(ts.Code(t, p), p)
	form.Del("redirect_uri")
	tr := ts.PostToken(t, "/token", form, "", "")
	assert.Equal(t, "invalid_grant", tr.Error, "token without the authorization request's redirect_uri: %d %s", tr.Status, tr.ErrorDescription)

	// Without redirect_uri at /authorize (one registered), none is needed.
	p = servertest.NewPKCE()
	params := servertest.AuthorizeParams(p)
	params.Del("redirect_uri")
	params.Set("client_id", "one-callback")
	ts2 := servertest.Start(t, server.Config{AutoApprove: true, Clients: []server.StaticClient{{ClientID: "one-callback", RedirectURIs: []string{"http://127.0.0.1:9/cb"}}}})
	_, loc := ts2.Authorize(t, params)
	require.NotNil(t, loc)
	tr = ts2.PostToken(t, "/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {"one-callback"}, "code_verifier": {p.Verifier}}, "", "")
	assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
}

// TestSecurityLowOtherClientCannotBurnGrant is issue 12 Low: another
// client presenting a victim's spent code or rotated refresh token
// revoked the victim's grant. Only the client it was issued to can.
func TestSecurityLowOtherClientCannotBurnGrant(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	ts.Protect("/mcp", okHandler())
	other, _ := registeredToken(t, ts)

	p := servertest.NewPKCE()
	code := ts.Code(t, p)
	victim := ts.ExchangeCode(t, code, p)
	require.Equal(t, http.StatusOK, victim.Status)
	spent := with(tokenForm(code, p), "client_id", other)
	assert.Equal(t, "invalid_grant", ts.PostToken(t, "/token", spent, "", "").Error)
	assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", victim.AccessToken).StatusCode, "another client's spent code revoked the victim's grant")

	rotated := victim.RefreshToken
	next := ts.PostToken(t, "/token", refreshForm(rotated), "", "")
	require.Equal(t, http.StatusOK, next.Status)
	assert.Equal(t, "invalid_grant", ts.PostToken(t, "/token", with(refreshForm(rotated), "client_id", other), "", "").Error)
	assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", next.AccessToken).StatusCode, "another client's rotated refresh token revoked the victim's grant")
}

// TestSecurityLowTokenAudiencePerPath is issue 12 Low: a token for /sse
// worked on /mcp. A token for one protected path works only there; a
// token for the whole server (the issuer) works on both.
func TestSecurityLowTokenAudiencePerPath(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	token := func(resource string) string {
		p := servertest.NewPKCE()
		_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "resource", resource))
		require.NotNil(t, loc)
		tr := ts.ExchangeCode(t, loc.Query().Get("code"), p)
		require.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
		return tr.AccessToken
	}
	sse, whole := token(ts.URL+"/sse"), token(ts.URL)
	resp, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, sse, "", initializeJSON))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "an /sse token on /mcp: %s", body)
	resp, body = doMCP(t, mcpRequest(t, ts, http.MethodPost, whole, "", initializeJSON))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a token for the whole server on /mcp: %s", body)
}

// TestSecurityLowOtherIssuerCannotRefresh is issue 12 Low: two servers
// sharing one Redis (and key prefix): issuer B refreshed A's token.
func TestSecurityLowOtherIssuerCannotRefresh(t *testing.T) {
	a := servertest.Start(t, server.Config{AutoApprove: true})
	b := servertest.Start(t, server.Config{AutoApprove: true, RedisURL: "redis://" + a.Mini.Addr(), RedisKeyPrefix: a.KeyPrefix})
	rt := a.Token(t).RefreshToken
	tr := b.PostToken(t, "/token", refreshForm(rt), "", "")
	assert.Equal(t, "invalid_grant", tr.Error, "B refreshed A's token: %d", tr.Status)
	assert.Equal(t, http.StatusOK, a.PostToken(t, "/token", refreshForm(rt), "", "").Status, "A's token still refreshes at A")
}

// TestSecurityLowStreamEndsOnRevocation is issue 12 Low: an open listen
// stream outlived the revocation of its token. Revoking the grant ends it.
func TestSecurityLowStreamEndsOnRevocation(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true, Keepalive: -1})
	tok := ts.Token(t)
	sid := initializeMCP(t, ts, tok.AccessToken)
	resp, err := http.DefaultClient.Do(mcpRequest(t, ts, http.MethodGet, tok.AccessToken, sid, ""))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ended := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, resp.Body); ended <- err }()

	rv := ts.PostToken(t, "/revoke", url.Values{"token": {tok.RefreshToken}, "client_id": {"claude-desktop"}, "token_type_hint": {"refresh_token"}}, "", "")
	require.Equal(t, http.StatusOK, rv.Status)
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the listen stream is still open 10 s after its grant was revoked")
	}
}
