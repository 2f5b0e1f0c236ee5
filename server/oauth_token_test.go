package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The seed's curl walk-through (code_challenge=test123,
// code_verifier=test123verifier) is not a valid S256 pair: "test123" is no
// S256 challenge (43 characters), so no code is issued for it at all.
func TestSeedPKCEPairRefused(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		_, loc := ts.Authorize(t, servertest.AuthorizeParams(servertest.PKCE{Challenge: "test123"}))
		require.NotNil(t, loc)
		assert.Equal(t, "invalid_request", loc.Query().Get("error"))
		assert.Empty(t, loc.Query().Get("code"))
		assertMarker(t, ts, markers.OAuthAuthorizeFailed, "error=invalid_request reason=code_challenge must be base64url")
	})
}

// The seed's "Successful Flow" markers, in order, for one authorization
// code flow and one protected request.
func TestSeedMarkerSequence(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	ts.Protect("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tok := ts.Token(t)
	resp := ts.Get(t, "/mcp", tok.AccessToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var got []string
	for _, e := range ts.Events.All() {
		switch e.Name {
		case markers.OAuthClientRegistered, markers.RefreshTokenGenerated:
			continue
		}
		got = append(got, e.Text())
	}
	want := []string{
		"=== OAUTH AUTHORIZE START === client_id=claude-desktop",
		"=== OAUTH CODE GENERATED === code=",
		"=== OAUTH TOKEN START === grant_type=authorization_code",
		"=== ACCESS TOKEN GENERATED === token=" + tok.AccessToken[:8] + "...",
		"=== ACCESS TOKEN STORED === Stored in Redis with 3600s TTL",
		"=== OAUTH FLOW === Attempting OAuth token validation",
		"=== OAUTH SUCCESS === Token valid: " + tok.AccessToken[:8] + "...",
		"=== AUTH SUCCESS === Method: oauth",
	}
	require.Len(t, got, len(want), "markers:\n%v", got)
	for i := range want {
		assert.Contains(t, got[i], want[i], "marker %d", i)
	}
}

func TestTokenResponse(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		tr := ts.Token(t)
		assert.Equal(t, "Bearer", tr.TokenType)
		assert.Equal(t, int64(3600), tr.ExpiresIn)
		assert.Equal(t, "claudeai", tr.Scope)
		assert.GreaterOrEqual(t, len(tr.AccessToken), 43, "access token has >= 256 bits")
		assert.NotEmpty(t, tr.RefreshToken, "claude-desktop may refresh")
		assert.Equal(t, "no-store", tr.Header.Get("Cache-Control"))
		assert.Equal(t, "application/json", tr.Header.Get("Content-Type"))
	})
}

// tokenForm is a valid code exchange for claude-desktop.
func tokenForm(code string, p servertest.PKCE) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {servertest.ClaudeCallback},
		"client_id":     {"claude-desktop"},
		"code_verifier": {p.Verifier},
	}
}

func TestTokenRefusals(t *testing.T) {
	other := servertest.NewPKCE()
	for _, tc := range []struct {
		name       string
		form       func(code string, p servertest.PKCE) url.Values
		wantStatus int
		wantError  string
		reason     string
	}{
		{"seed pair verifier", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "code_verifier", "test123verifier")
		}, 400, "invalid_grant", "43-128 characters"},
		{"wrong verifier", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "code_verifier", other.Verifier)
		}, 400, "invalid_grant", "does not match code_challenge"},
		{"verifier sent as challenge (plain)", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "code_verifier", p.Challenge)
		}, 400, "invalid_grant", "does not match"},
		{"no verifier", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "code_verifier", "")
		}, 400, "invalid_request", "code_verifier is required"},
		{"no code", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "code", "") }, 400, "invalid_request", "code is required"},
		{"unknown code", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "code", "nope") }, 400, "invalid_grant", "unknown or expired"},
		{"wrong redirect_uri", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "redirect_uri", "https://claude.com/api/mcp/auth_callback")
		}, 400, "invalid_grant", "differs from the authorization request"},
		{"no grant_type", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "grant_type", "") }, 400, "invalid_request", "grant_type is required"},
		{"password grant", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "grant_type", "password") }, 400, "unsupported_grant_type", "not supported"},
		{"client_credentials grant", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "grant_type", "client_credentials")
		}, 400, "unsupported_grant_type", "not supported"},
		{"no client", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "client_id", "") }, 401, "invalid_client", "no client_id"},
		{"unknown client", func(c string, p servertest.PKCE) url.Values { return with(tokenForm(c, p), "client_id", "gone") }, 401, "invalid_client", "register again"},
		{"public client sends a secret", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "client_secret", "guess")
		}, 401, "invalid_client", "registered with none"},
		{"foreign resource", func(c string, p servertest.PKCE) url.Values {
			return with(tokenForm(c, p), "resource", "https://other.example/mcp")
		}, 400, "invalid_target", "differs from the authorized resource"},
		{"code twice in form", func(c string, p servertest.PKCE) url.Values {
			f := tokenForm(c, p)
			f.Add("code", c)
			return f
		}, 400, "invalid_request", "more than once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			p := servertest.NewPKCE()
			code := ts.Code(t, p)
			tr := ts.PostToken(t, "/token", tc.form(code, p), "", "")
			assert.Equal(t, tc.wantStatus, tr.Status)
			assert.Equal(t, tc.wantError, tr.Error)
			assert.Contains(t, tr.ErrorDescription, tc.reason)
			assert.Empty(t, tr.AccessToken)
			assert.Equal(t, "no-store", tr.Header.Get("Cache-Control"))
			assertMarker(t, ts, markers.OAuthTokenFailed, "error="+tc.wantError+" reason=")
		})
	}
}

func TestTokenGetNotAllowed(t *testing.T) {
	ts := servertest.Start(t, server.Config{})
	resp := ts.Get(t, "/token", "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
}

func TestCodeExpires(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	ts.RequireMini(t)
	p := servertest.NewPKCE()
	code := ts.Code(t, p)
	ts.Mini.FastForward(5*time.Minute + time.Second)
	tr := ts.ExchangeCode(t, code, p)
	assert.Equal(t, "invalid_grant", tr.Error)
	assert.Contains(t, tr.ErrorDescription, "unknown or expired")
}

// A reused code fails and revokes every token the first use issued
// (RFC 6749 §4.1.2).
func TestCodeReuseRevokesItsTokens(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		ts.Protect("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		p := servertest.NewPKCE()
		code := ts.Code(t, p)
		first := ts.ExchangeCode(t, code, p)
		require.Equal(t, http.StatusOK, first.Status)
		require.Equal(t, http.StatusOK, ts.Get(t, "/mcp", first.AccessToken).StatusCode)

		again := ts.ExchangeCode(t, code, p)
		assert.Equal(t, "invalid_grant", again.Error)
		assert.Contains(t, again.ErrorDescription, "already used")
		assertMarker(t, ts, markers.CodeReuse, "revoked 2 tokens")

		assert.Equal(t, http.StatusUnauthorized, ts.Get(t, "/mcp", first.AccessToken).StatusCode, "access token revoked")
		rt := ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {"claude-desktop"}}, "", "")
		assert.Equal(t, "invalid_grant", rt.Error, "refresh token revoked")
	})
}

// A code redeemed with the wrong verifier is spent too: no second guess.
func TestCodeSpentByFailedAttempt(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	p := servertest.NewPKCE()
	code := ts.Code(t, p)
	bad := ts.ExchangeCode(t, code, servertest.NewPKCE())
	require.Equal(t, "invalid_grant", bad.Error)
	good := ts.ExchangeCode(t, code, p)
	assert.Equal(t, "invalid_grant", good.Error)
	assert.Contains(t, good.ErrorDescription, "already used")
}

// Verifiers may hold "~" and "." (RFC 7636 §4.1), which naive
// base64url-only checks reject (field failure 21).
func TestVerifierWithTildeAndDot(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	v := "abc~def.ghi_jkl-mno~pqr.stu_vwx-yz0~123.456_789"
	p := servertest.PKCE{Verifier: v, Challenge: server.S256Challenge(v)}
	tr := ts.ExchangeCode(t, ts.Code(t, p), p)
	assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"claude-desktop"}}
}

// Refresh rotates; presenting a rotated refresh token again revokes the
// whole grant (RFC 9700 §4.14.2).
func TestRefreshRotationAndReuse(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		ts.Protect("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		first := ts.Token(t)
		second := ts.PostToken(t, "/token", refreshForm(first.RefreshToken), "", "")
		require.Equal(t, http.StatusOK, second.Status, second.ErrorDescription)
		assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "rotated")
		assert.NotEqual(t, first.AccessToken, second.AccessToken)
		assert.Equal(t, first.Scope, second.Scope)
		assertMarker(t, ts, markers.RefreshTokenRotated, "old="+first.RefreshToken[:8])
		assert.Equal(t, http.StatusOK, ts.Get(t, "/mcp", second.AccessToken).StatusCode)

		reuse := ts.PostToken(t, "/token", refreshForm(first.RefreshToken), "", "")
		assert.Equal(t, "invalid_grant", reuse.Error)
		assert.Contains(t, reuse.ErrorDescription, "already used")
		assertMarker(t, ts, markers.RefreshTokenReuse, "revoked")

		assert.Equal(t, http.StatusUnauthorized, ts.Get(t, "/mcp", second.AccessToken).StatusCode, "grant revoked")
		third := ts.PostToken(t, "/token", refreshForm(second.RefreshToken), "", "")
		assert.Equal(t, "invalid_grant", third.Error, "the rotated token is revoked too")
	})
}

func TestRefreshRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		form      func(rt string) url.Values
		wantError string
		reason    string
		// stillUsable: the refusal must not spend the refresh token.
		stillUsable bool
	}{
		{"no refresh_token", func(string) url.Values { return with(refreshForm(""), "refresh_token", "") }, "invalid_request", "refresh_token is required", true},
		{"unknown refresh_token", func(string) url.Values { return refreshForm("nope") }, "invalid_grant", "unknown, expired or revoked", true},
		{"wider scope", func(rt string) url.Values { return with(refreshForm(rt), "scope", "claudeai mcp") }, "invalid_scope", "was not granted", true},
		{"foreign resource", func(rt string) url.Values { return with(refreshForm(rt), "resource", "https://other.example/mcp") }, "invalid_target", "differs", true},
		{"unknown client", func(rt string) url.Values { return with(refreshForm(rt), "client_id", "gone") }, "invalid_client", "register again", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			tok := ts.Token(t)
			tr := ts.PostToken(t, "/token", tc.form(tok.RefreshToken), "", "")
			assert.Equal(t, tc.wantError, tr.Error)
			assert.Contains(t, tr.ErrorDescription, tc.reason)
			assertMarker(t, ts, markers.OAuthTokenFailed, "error="+tc.wantError)
			if tc.stillUsable {
				ok := ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "")
				assert.Equal(t, http.StatusOK, ok.Status, "refresh token still usable: %s", ok.ErrorDescription)
			}
		})
	}
}

func TestRefreshNarrowsScope(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	p := servertest.NewPKCE()
	_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "scope", "claudeai mcp"))
	tok := ts.ExchangeCode(t, loc.Query().Get("code"), p)
	require.Equal(t, "claudeai mcp", tok.Scope)
	tr := ts.PostToken(t, "/token", with(refreshForm(tok.RefreshToken), "scope", "mcp"), "", "")
	require.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
	assert.Equal(t, "mcp", tr.Scope)
}

func TestUnknownScopesDroppedNotRefused(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	p := servertest.NewPKCE()
	_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "scope", "openid profile"))
	tok := ts.ExchangeCode(t, loc.Query().Get("code"), p)
	assert.Equal(t, "mcp", tok.Scope, "default scope when none is known")
}
