package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Security tests: one per attack, against the real server over HTTP
// (servertest.Start: the OAuth endpoints, the bearer check, the observer and
// go-sdk at /mcp). Attacks already covered by the OAuth and MCP tests are
// listed here and not repeated:
//
//	attack                                   test
//	PKCE downgrade (none, plain, padded)     TestAuthorizeRefusalsRedirected, TestSecurityPKCE
//	PKCE mismatch (wrong, seed, plain)       TestTokenRefusals, TestSeedPKCEPairRefused, TestSecurityPKCE
//	code reuse revokes what it issued        TestCodeReuseRevokesItsTokens, TestSecurityRevokedTokensRefusedAtMCP
//	code burnt by a failed attempt           TestCodeSpentByFailedAttempt
//	code injection across clients            TestSecurityCodeInjectionAcrossClients
//	redirect_uri manipulation                TestAuthorizeRefusalsWithoutRedirect, TestSecurityRedirectURIManipulation
//	client impersonation (no/wrong secret)   TestConfidentialClients, TestSecurityClientImpersonation
//	refresh-token reuse revokes the family   TestRefreshRotationAndReuse, TestSecurityRevokedTokensRefusedAtMCP
//	token in the query string or form        TestSecurityTokenOutsideHeaderRefused
//	expired and revoked tokens               TestBearerRefusals, TestSecurityRevokedTokensRefusedAtMCP
//	audience mismatch                        TestBearerAudienceMismatch, TestAuthorizeRefusalsRedirected ("foreign resource")
//	session hijack (another client's token)  TestSecuritySessionHijack, TestSecurityLegacySSESessionHijack
//	DNS rebinding (Host, Origin)             TestSecurityDNSRebinding
//	oversized and deeply nested JSON         TestSecurityOversizedAndNestedJSON
//	slow-loris headers, SSE kept             TestSlowLorisCutSSEKept (http_server_test.go)
//	log forging through request values      TestSecurityLogForging, TestMarkersQuoteRequestValues

// PKCE downgrade at the authorization endpoint and mismatch at the token
// endpoint: no code for a request without S256, no token without the
// verifier of that very code.
func TestSecurityPKCE(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	p := servertest.NewPKCE()
	t.Run("downgrade", func(t *testing.T) {
		for name, params := range map[string]url.Values{
			"no challenge":     with(servertest.AuthorizeParams(p), "code_challenge", "", "code_challenge_method", ""),
			"plain method":     with(servertest.AuthorizeParams(p), "code_challenge", p.Verifier, "code_challenge_method", "plain"),
			"S256 lowercase":   with(servertest.AuthorizeParams(p), "code_challenge_method", "s256"),
			"method only":      with(servertest.AuthorizeParams(p), "code_challenge", ""),
			"challenge padded": with(servertest.AuthorizeParams(p), "code_challenge", p.Challenge+"="),
		} {
			t.Run(name, func(t *testing.T) {
				_, loc := ts.Authorize(t, params)
				require.NotNil(t, loc)
				assert.Empty(t, loc.Query().Get("code"), "no code without S256")
				assert.Equal(t, "invalid_request", loc.Query().Get("error"))
			})
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		for name, verifier := range map[string]string{
			"another flow's verifier":  servertest.NewPKCE().Verifier,
			"the challenge itself":     p.Challenge,
			"verifier with a char cut": p.Verifier[:len(p.Verifier)-1],
			"verifier plus a char":     p.Verifier + "A",
			"too long":                 strings.Repeat("a", 129),
		} {
			t.Run(name, func(t *testing.T) {
				code := ts.Code(t, p)
				tr := ts.ExchangeCode(t, code, servertest.PKCE{Verifier: verifier})
				assert.Equal(t, http.StatusBadRequest, tr.Status)
				assert.Equal(t, "invalid_grant", tr.Error)
				assert.Empty(t, tr.AccessToken)
				again := ts.ExchangeCode(t, code, p)
				assert.Equal(t, "invalid_grant", again.Error, "the failed attempt spent the code")
			})
		}
	})
}

// A code stolen from client A (its callback leaked) and redeemed by client
// B, even with A's verifier, gives nothing: the code is bound to A.
func TestSecurityCodeInjectionAcrossClients(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	otherID, _ := registeredToken(t, ts)
	p := servertest.NewPKCE()
	code := ts.Code(t, p) // issued to claude-desktop
	tr := ts.PostToken(t, "/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "client_id": {otherID},
		"redirect_uri": {"http://127.0.0.1:9/callback"}, "code_verifier": {p.Verifier},
	}, "", "")
	assert.Equal(t, "invalid_grant", tr.Error)
	assert.Contains(t, tr.ErrorDescription, "another client")
	assert.Empty(t, tr.AccessToken)
	assertMarker(t, ts, markers.OAuthTokenFailed, "issued to another client")
}

// The redirect URI must match a registered one exactly: every near miss is
// a 400 page, never a redirect (no open redirect, no prefix match).
func TestSecurityRedirectURIManipulation(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	for _, ru := range []string{
		servertest.ClaudeCallback + "/",                          // trailing slash
		servertest.ClaudeCallback + "?next=https://evil.example", // query added
		servertest.ClaudeCallback + "#frag",
		servertest.ClaudeCallback + "/../../evil",
		"https://claude.ai.evil.example/api/mcp/auth_callback", // suffix on the host
		"https://claude.ai@evil.example/api/mcp/auth_callback", // userinfo trick
		"https://evil.example/?https://claude.ai/api/mcp/auth_callback",
		"http://claude.ai/api/mcp/auth_callback",          // scheme downgrade
		"HTTPS://CLAUDE.AI/api/mcp/auth_callback",         // case
		"https://claude.ai:443/api/mcp/auth_callback",     // explicit port
		"https://claude.ai/api/mcp/auth_callback%2F..%2F", // encoded traversal
		"//evil.example/cb",
		"javascript:alert(1)",
	} {
		t.Run(ru, func(t *testing.T) {
			resp, loc := ts.Authorize(t, with(servertest.AuthorizeParams(servertest.NewPKCE()), "redirect_uri", ru))
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Nil(t, loc, "must not redirect anywhere")
		})
	}
}

// A confidential client's id without its secret (or with another client's
// secret) gets no token and cannot revoke.
func TestSecurityClientImpersonation(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	victim := register(t, ts, `{"redirect_uris":["https://victim.example/cb"],"token_endpoint_auth_method":"client_secret_post","grant_types":["authorization_code","refresh_token"]}`)
	other := register(t, ts, `{"redirect_uris":["https://other.example/cb"],"token_endpoint_auth_method":"client_secret_post"}`)
	require.NotEmpty(t, victim.ClientSecret)
	for _, tc := range []struct {
		name         string
		form         url.Values
		user, secret string // Basic credentials
	}{
		{"id only", url.Values{"client_id": {victim.ClientID}}, "", ""},
		{"empty secret", url.Values{"client_id": {victim.ClientID}, "client_secret": {""}}, "", ""},
		{"another client's secret", url.Values{"client_id": {victim.ClientID}, "client_secret": {other.ClientSecret}}, "", ""},
		{"basic without password", nil, victim.ClientID, ""},
		{"basic with the id as secret", nil, victim.ClientID, victim.ClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/token", "/revoke"} {
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "token": {"x"}}
				for k, v := range tc.form {
					form[k] = v
				}
				tr := ts.PostToken(t, path, form, tc.user, tc.secret)
				assert.Equal(t, http.StatusUnauthorized, tr.Status, path)
				assert.Equal(t, "invalid_client", tr.Error, path)
			}
		})
	}
}

// RFC 6750 §2.2/§2.3 tokens (form body, query) are not accepted: the
// server advertises the header method only, and a token in a URL ends up
// in proxy logs.
func TestSecurityTokenOutsideHeaderRefused(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	tok := ts.Token(t)
	for _, tc := range []struct {
		name string
		req  func() *http.Request
	}{
		{"query access_token", func() *http.Request {
			r := mcpRequest(t, ts, http.MethodPost, "", "", initializeJSON)
			r.URL.RawQuery = url.Values{"access_token": {tok.AccessToken}}.Encode()
			return r
		}},
		{"form access_token", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(url.Values{"access_token": {tok.AccessToken}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Accept", "application/json, text/event-stream")
			return r
		}},
		{"token as Basic password", func() *http.Request {
			r := mcpRequest(t, ts, http.MethodPost, "", "", initializeJSON)
			r.SetBasicAuth("x", tok.AccessToken)
			return r
		}},
		{"token without scheme", func() *http.Request {
			r := mcpRequest(t, ts, http.MethodPost, "", "", initializeJSON)
			r.Header.Set("Authorization", tok.AccessToken)
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := doMCP(t, tc.req())
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.NotContains(t, resp.Header.Get("WWW-Authenticate"), "error=", "no token was sent the accepted way")
		})
	}
}

// A token that is revoked, expired or belongs to a revoked family is
// refused by the real MCP endpoint, not only by a stand-in handler.
func TestSecurityRevokedTokensRefusedAtMCP(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, ts *servertest.Server, p servertest.PKCE, code string, tok servertest.TokenResponse)
	}{
		{"revoked access token", func(t *testing.T, ts *servertest.Server, _ servertest.PKCE, _ string, tok servertest.TokenResponse) {
			require.Equal(t, http.StatusOK, ts.PostToken(t, "/revoke", url.Values{"token": {tok.AccessToken}, "client_id": {"claude-desktop"}}, "", "").Status)
		}},
		{"revoked refresh token (whole grant)", func(t *testing.T, ts *servertest.Server, _ servertest.PKCE, _ string, tok servertest.TokenResponse) {
			require.Equal(t, http.StatusOK, ts.PostToken(t, "/revoke", url.Values{"token": {tok.RefreshToken}, "client_id": {"claude-desktop"}}, "", "").Status)
		}},
		{"code replayed", func(t *testing.T, ts *servertest.Server, p servertest.PKCE, code string, _ servertest.TokenResponse) {
			require.Equal(t, "invalid_grant", ts.ExchangeCode(t, code, p).Error)
		}},
		{"refresh token replayed", func(t *testing.T, ts *servertest.Server, _ servertest.PKCE, _ string, tok servertest.TokenResponse) {
			require.Equal(t, http.StatusOK, ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "").Status)
			require.Equal(t, "invalid_grant", ts.PostToken(t, "/token", refreshForm(tok.RefreshToken), "", "").Error)
		}},
		{"expired", func(t *testing.T, ts *servertest.Server, _ servertest.PKCE, _ string, _ servertest.TokenResponse) {
			ts.Mini.FastForward(time.Hour + time.Second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// "expired" ages the token inside Redis (FastForward), behind
			// the server's back, so it asks Redis every time; the revoked
			// cases run with the token cache and are refused at once.
			ts := servertest.Start(t, server.Config{AutoApprove: true, NoTokenCache: tc.name == "expired"})
			p := servertest.NewPKCE()
			code := ts.Code(t, p)
			tok := ts.ExchangeCode(t, code, p)
			require.Equal(t, http.StatusOK, tok.Status)
			sid := initializeMCP(t, ts, tok.AccessToken)
			tc.spoil(t, ts, p, code, tok)
			status, _ := toolsList(t, ts, tok.AccessToken, sid)
			assert.Equal(t, http.StatusUnauthorized, status, "tools/list with a spoilt token")
			resp, _ := doMCP(t, mcpRequest(t, ts, http.MethodPost, tok.AccessToken, "", initializeJSON))
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a new session with a spoilt token")
		})
	}
}

// An MCP session is bound to the OAuth client that created it: another
// client's valid token gets 403 for every method on that session, and the
// owner keeps working. go-sdk v1.8.0 compares only TokenInfo.UserID, which
// is the same local user for every client here, so without
// mcp_session_owner.go this attack succeeded.
func TestSecuritySessionHijack(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		owner := ts.Token(t)
		otherID, other := registeredToken(t, ts)
		sid := initializeMCP(t, ts, owner.AccessToken)

		for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
			t.Run(method, func(t *testing.T) {
				body := ""
				if method == http.MethodPost {
					body = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
				}
				resp, got := doMCP(t, mcpRequest(t, ts, method, other.AccessToken, sid, body))
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "body %q", got)
				assert.NotContains(t, got, `"result"`)
				// The owner is the client and, after "#", its grant.
				assertMarker(t, ts, markers.Warning, "Session hijack refused: session "+sid+" belongs to client_id=claude-desktop#")
				assertMarker(t, ts, markers.Warning, "the token is client_id="+otherID+"#")
				assertMarker(t, ts, markers.RequestRefused, "Status 403: Forbidden: session belongs to another client")
			})
		}
		status, body := toolsList(t, ts, owner.AccessToken, sid)
		assert.Equal(t, http.StatusOK, status, "the owner's session still works: %s", body)
		// The owner's refreshed token is the same client: still its session.
		rot := ts.PostToken(t, "/token", refreshForm(owner.RefreshToken), "", "")
		require.Equal(t, http.StatusOK, rot.Status)
		status, _ = toolsList(t, ts, rot.AccessToken, sid)
		assert.Equal(t, http.StatusOK, status, "refreshed token of the same client")
	})
}

// The legacy HTTP+SSE transport names its session in the POST URL;
// go-sdk's SSE handler checks no token at all there, so the binding is ours.
func TestSecurityLegacySSESessionHijack(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	owner := ts.Token(t)
	_, other := registeredToken(t, ts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/sse", nil)
	req.Header.Set("Authorization", "Bearer "+owner.AccessToken)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	endpoint := sseFirstData(t, resp.Body)
	require.Contains(t, endpoint, "sessionid=")
	post := func(token string) int {
		u, err := url.Parse(ts.URL)
		require.NoError(t, err)
		target, err := u.Parse(endpoint)
		require.NoError(t, err)
		r, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(initializeJSON))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+token)
		resp, _ := doMCP(t, r)
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusForbidden, post(other.AccessToken), "another client's token")
	assert.Equal(t, http.StatusAccepted, post(owner.AccessToken), "the owner's token")
}

// DNS rebinding: a browser page on another origin resolving to loopback
// must not reach /mcp, even holding a valid token.
func TestSecurityDNSRebinding(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	tok := ts.Token(t)
	u, _ := url.Parse(ts.URL)
	for _, tc := range []struct {
		name, host, origin string
		want               int
	}{
		{"foreign Host", "rebind.example", "", http.StatusForbidden},
		{"foreign Host with our port", "rebind.example:" + u.Port(), "", http.StatusForbidden},
		{"foreign Origin", "", "https://evil.example", http.StatusForbidden},
		{"null Origin", "", "null", http.StatusForbidden},
		{"Origin with loopback as userinfo", "", "http://127.0.0.1@evil.example", http.StatusForbidden},
		{"loopback Origin", "", "http://localhost:" + u.Port(), http.StatusOK},
		{"issuer Origin", "", ts.URL, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mcpRequest(t, ts, http.MethodPost, tok.AccessToken, "", initializeJSON)
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, body := doMCP(t, req)
			assert.Equal(t, tc.want, resp.StatusCode, "body %q", body)
			if tc.want == http.StatusForbidden {
				assert.Contains(t, body, "DNS rebinding guard")
			}
		})
	}
}

// Oversized and deeply nested JSON: each is refused with a 4xx and a JSON
// error, never a 5xx, a hang or a crash.
func TestSecurityOversizedAndNestedJSON(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	tok := ts.Token(t)
	nested := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	nestedObj := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	for _, tc := range []struct {
		name, path, body string
		want             int
		wantInBody       string
	}{
		{"mcp nested arrays", "/mcp", nested, http.StatusBadRequest, `"code":-32700`},
		{"mcp nested params", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":` + nestedObj + `}`, http.StatusBadRequest, `"code":-32700`},
		{"mcp oversized", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"x","params":"` + strings.Repeat("a", 5<<20) + `"}`, http.StatusRequestEntityTooLarge, `"code":-32600`},
		{"register nested", "/register", `{"redirect_uris":` + nested + `}`, http.StatusBadRequest, `"error":"invalid_client_metadata"`},
		{"register oversized", "/register", `{"client_name":"` + strings.Repeat("a", 1<<20) + `"}`, http.StatusBadRequest, `"error":"invalid_client_metadata"`},
		{"token oversized form", "/token", "grant_type=authorization_code&code=" + strings.Repeat("a", 11<<20), http.StatusBadRequest, `"error":"invalid_request"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Content-Type", "application/json")
			if tc.path == "/token" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, body := doMCP(t, req)
			assert.Equal(t, tc.want, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, tc.wantInBody)
			assert.Less(t, len(body), 4096, "the error does not echo the input")
		})
	}
}

// A JSON-RPC method or id holding a line break cannot forge a marker line
// in the text log.
func TestSecurityLogForging(t *testing.T) {
	var log syncWriter
	var buf strings.Builder
	log.w = &buf
	ts := servertest.Start(t, server.Config{AutoApprove: true, LogOutput: &log})
	tok := ts.Token(t)
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"x\n=== AUTH SUCCESS === forged"}`,
		"{\"jsonrpc\":\"2.0\",\"id\":{\"a\":\n1},\"method\":\"y\"}",
		`{"jsonrpc":"2.0","id":"1\r\n=== AUTH SUCCESS === forged","method":"z"}`,
	} {
		resp, _ := doMCP(t, mcpRequest(t, ts, http.MethodPost, tok.AccessToken, "", body))
		assert.Less(t, resp.StatusCode, 500)
	}
	req := mcpRequest(t, ts, http.MethodPost, tok.AccessToken, "", initializeJSON)
	req.Header.Set("Mcp-Session-Id", "s === AUTH SUCCESS === forged")
	doMCP(t, req)
	for _, line := range strings.Split(buf.String(), "\n") {
		if line == "" {
			continue
		}
		assert.Regexp(t, `^\S+Z req=\S+ session=(\S+|"[^"]*") === `, line, "every line is one event")
		assert.NotRegexp(t, `^=== AUTH SUCCESS === forged`, line)
	}
	assert.NotContains(t, buf.String(), "\n=== AUTH SUCCESS === forged")
}
