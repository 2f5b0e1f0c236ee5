package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// with returns params with the given keys set (an empty value deletes).
func with(params url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range params {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func TestAuthorizeRedirectsWithCodeStateAndIss(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	resp, loc := ts.Authorize(t, servertest.AuthorizeParams(servertest.NewPKCE()))
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.NotNil(t, loc)
	assert.Equal(t, servertest.ClaudeCallback, loc.Scheme+"://"+loc.Host+loc.Path)
	assert.Equal(t, "teststate", loc.Query().Get("state"))
	assert.Equal(t, ts.URL, loc.Query().Get("iss"), "RFC 9207 iss")
	assert.GreaterOrEqual(t, len(loc.Query().Get("code")), 43, "code has >= 256 bits")
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
}

// Errors before the client and redirect URI are verified must not redirect.
func TestAuthorizeRefusalsWithoutRedirect(t *testing.T) {
	ok := servertest.AuthorizeParams(servertest.NewPKCE())
	for _, tc := range []struct {
		name   string
		params url.Values
		reason string
	}{
		{"no client_id", with(ok, "client_id", ""), "client_id is required"},
		{"unknown client", with(ok, "client_id", "nobody"), "unknown client_id"},
		{"wrong redirect_uri", with(ok, "redirect_uri", "https://evil.example/cb"), "not registered"},
		{"redirect_uri prefix only", with(ok, "redirect_uri", servertest.ClaudeCallback+"/x"), "not registered"},
		{"no redirect_uri with two registered", with(ok, "redirect_uri", ""), "redirect_uri is required"},
		{"client_id twice", func() url.Values { v := with(ok); v.Add("client_id", "claude-desktop"); return v }(), "more than once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			resp, err := servertest.NoRedirect.Get(ts.URL + "/authorize?" + tc.params.Encode())
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"), "must not redirect to an unverified URI")
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
			assert.Contains(t, string(body), "Authorization error")
			assertMarker(t, ts, markers.OAuthAuthorizeFailed, tc.reason)
		})
	}
}

// Errors after the redirect URI is verified go back to it (RFC 6749 §4.1.2.1).
func TestAuthorizeRefusalsRedirected(t *testing.T) {
	p := servertest.NewPKCE()
	ok := servertest.AuthorizeParams(p)
	for _, tc := range []struct {
		name      string
		params    url.Values
		wantError string
		reason    string
	}{
		{"response_type token", with(ok, "response_type", "token"), "unsupported_response_type", "response_type"},
		{"no response_type", with(ok, "response_type", ""), "unsupported_response_type", "response_type"},
		{"no code_challenge", with(ok, "code_challenge", ""), "invalid_request", "code_challenge is required"},
		{"plain PKCE", with(ok, "code_challenge_method", "plain"), "invalid_request", "plain is refused"},
		{"no code_challenge_method", with(ok, "code_challenge_method", ""), "invalid_request", "must be S256"},
		{"padded challenge", with(ok, "code_challenge", p.Challenge+"="), "invalid_request", "without padding"},
		{"foreign resource", with(ok, "resource", "https://other.example/mcp"), "invalid_target", "not served here"},
		{"resource with fragment", with(ok, "resource", "http://127.0.0.1/mcp#x"), "invalid_target", "without a fragment"},
		{"relative resource", with(ok, "resource", "/mcp"), "invalid_target", "absolute"},
		{"state twice", func() url.Values { v := with(ok); v.Add("state", "again"); return v }(), "invalid_request", "more than once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			resp, loc := ts.Authorize(t, tc.params)
			require.Equal(t, http.StatusFound, resp.StatusCode)
			require.NotNil(t, loc)
			q := loc.Query()
			assert.Equal(t, tc.wantError, q.Get("error"))
			assert.Contains(t, q.Get("error_description"), tc.reason)
			assert.Empty(t, q.Get("code"))
			assert.Equal(t, ts.URL, q.Get("iss"))
			if tc.name != "state twice" {
				assert.Equal(t, "teststate", q.Get("state"), "state echoed on errors too")
			}
			assertMarker(t, ts, markers.OAuthAuthorizeFailed, "error="+tc.wantError)
		})
	}
}

func TestAuthorizeAcceptsOwnResources(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	for _, r := range []string{ts.URL, ts.URL + "/", ts.URL + "/mcp", ts.URL + "/mcp/", ts.URL + "/sse"} {
		resp, loc := ts.Authorize(t, with(servertest.AuthorizeParams(servertest.NewPKCE()), "resource", r))
		require.Equal(t, http.StatusFound, resp.StatusCode, r)
		assert.NotEmpty(t, loc.Query().Get("code"), "resource %s: %s", r, loc.Query().Get("error_description"))
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consentForm fetches the consent page for params and returns its CSRF token.
func consentForm(t *testing.T, ts *servertest.Server, params url.Values) string {
	t.Helper()
	resp, err := http.Get(ts.URL + "/authorize?" + params.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, string(body), "claude-desktop")
	m := csrfField.FindStringSubmatch(string(body))
	require.Len(t, m, 2, "consent page has a csrf field:\n%s", body)
	return m[1]
}

func postConsent(t *testing.T, ts *servertest.Server, form url.Values, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := servertest.NoRedirect.Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestConsentPage(t *testing.T) {
	p := servertest.NewPKCE()
	params := servertest.AuthorizeParams(p)

	t.Run("approve issues a code once", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		csrf := consentForm(t, ts, params)
		resp := postConsent(t, ts, url.Values{"csrf": {csrf}, "decision": {"approve"}}, ts.URL)
		require.Equal(t, http.StatusFound, resp.StatusCode)
		loc, _ := resp.Location()
		code := loc.Query().Get("code")
		require.NotEmpty(t, code)
		assert.Equal(t, "teststate", loc.Query().Get("state"))
		tr := ts.ExchangeCode(t, code, p)
		assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)

		again := postConsent(t, ts, url.Values{"csrf": {csrf}, "decision": {"approve"}}, ts.URL)
		assert.Equal(t, http.StatusBadRequest, again.StatusCode, "a consent token is single-use")
		assertMarker(t, ts, markers.OAuthAuthorizeFailed, "already answered")
	})
	t.Run("deny redirects access_denied", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		csrf := consentForm(t, ts, params)
		resp := postConsent(t, ts, url.Values{"csrf": {csrf}, "decision": {"deny"}}, "")
		require.Equal(t, http.StatusFound, resp.StatusCode)
		loc, _ := resp.Location()
		assert.Equal(t, "access_denied", loc.Query().Get("error"))
		assert.Equal(t, "teststate", loc.Query().Get("state"))
		assertMarker(t, ts, markers.OAuthConsentDenied, "error=access_denied")
	})
	for _, tc := range []struct {
		name   string
		form   func(csrf string) url.Values
		origin string
		reason string
	}{
		{"cross-origin post", func(c string) url.Values { return url.Values{"csrf": {c}, "decision": {"approve"}} }, "https://evil.example", "cross-origin"},
		{"no csrf", func(string) url.Values { return url.Values{"decision": {"approve"}} }, "", "without its csrf"},
		{"forged csrf", func(string) url.Values { return url.Values{"csrf": {"forged"}, "decision": {"approve"}} }, "", "expired or already answered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{})
			csrf := consentForm(t, ts, params)
			resp := postConsent(t, ts, tc.form(csrf), tc.origin)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
			assertMarker(t, ts, markers.OAuthAuthorizeFailed, tc.reason)
		})
	}
	t.Run("consent expires", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		ts.RequireMini(t)
		csrf := consentForm(t, ts, params)
		ts.Mini.FastForward(11 * 60e9)
		resp := postConsent(t, ts, url.Values{"csrf": {csrf}, "decision": {"approve"}}, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

// assertMarker checks that marker m was logged with a detail containing sub.
func assertMarker(t *testing.T, ts *servertest.Server, m markers.Name, sub string) {
	t.Helper()
	for _, e := range ts.Events.All() {
		if e.Name == m && strings.Contains(e.Detail, sub) {
			return
		}
	}
	t.Errorf("no marker %q with %q; got:\n%s", m, sub, strings.Join(ts.Events.Texts(), "\n"))
}
