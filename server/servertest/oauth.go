package servertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/oauthclient"
)

// ClaudeCallback is the redirect URI the built-in claude-desktop client
// uses in these helpers (oauthclient.ClaudeCallback). Nothing ever
// connects to it: the helpers read the code from the Location header.
const ClaudeCallback = oauthclient.ClaudeCallback

// PKCE is an S256 code verifier and its challenge (oauthclient.PKCE).
type PKCE = oauthclient.PKCE

// NewPKCE returns a fresh PKCE pair (43-character verifier).
func NewPKCE() PKCE { return oauthclient.NewPKCE() }

// TokenResponse is a /token answer, success or error.
type TokenResponse struct {
	Status           int         `json:"-"`
	AccessToken      string      `json:"access_token"`
	TokenType        string      `json:"token_type"`
	ExpiresIn        int64       `json:"expires_in"`
	RefreshToken     string      `json:"refresh_token"`
	Scope            string      `json:"scope"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
	Header           http.Header `json:"-"`
}

// NoRedirect is an HTTP client that returns redirects instead of following
// them (the helpers never contact a client's redirect URI).
var NoRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Authorize sends GET /authorize with params and returns the response
// (body read and closed) and its parsed Location, nil when there is none.
func (ts *Server) Authorize(t testing.TB, params url.Values) (*http.Response, *url.URL) {
	t.Helper()
	resp, err := NoRedirect.Get(ts.URL + "/authorize?" + params.Encode())
	if err != nil {
		t.Fatalf("GET /authorize: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return resp, nil
	}
	return resp, loc
}

// AuthorizeParams returns a valid authorization request for claude-desktop.
func AuthorizeParams(p PKCE) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {"claude-desktop"},
		"redirect_uri":          {ClaudeCallback},
		"code_challenge":        {p.Challenge},
		"code_challenge_method": {"S256"},
		"state":                 {"teststate"},
		"scope":                 {"claudeai"},
	}
}

// Code runs /authorize for claude-desktop (the server must auto-approve)
// and returns the code.
func (ts *Server) Code(t testing.TB, p PKCE) string {
	t.Helper()
	resp, loc := ts.Authorize(t, AuthorizeParams(p))
	if resp.StatusCode != http.StatusFound || loc == nil {
		t.Fatalf("GET /authorize = %d, want 302 with Location", resp.StatusCode)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("redirect %s has no code", loc)
	}
	return code
}

// PostToken posts form to /token, with HTTP Basic credentials when
// basicUser is not empty, and decodes the answer.
func (ts *Server) PostToken(t testing.TB, path string, form url.Values, basicUser, basicPass string) TokenResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	tr := TokenResponse{Status: resp.StatusCode, Header: resp.Header}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &tr); err != nil {
			t.Fatalf("POST %s = %d with body %q: %v", path, resp.StatusCode, body, err)
		}
	}
	return tr
}

// ExchangeCode redeems code for claude-desktop.
func (ts *Server) ExchangeCode(t testing.TB, code string, p PKCE) TokenResponse {
	t.Helper()
	return ts.PostToken(t, "/token", url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {ClaudeCallback},
		"client_id":     {"claude-desktop"},
		"code_verifier": {p.Verifier},
	}, "", "")
}

// Token runs the whole flow for claude-desktop and returns a good token
// response. The server must auto-approve.
func (ts *Server) Token(t testing.TB) TokenResponse {
	t.Helper()
	p := NewPKCE()
	tr := ts.ExchangeCode(t, ts.Code(t, p), p)
	if tr.Status != http.StatusOK || tr.AccessToken == "" {
		t.Fatalf("token exchange = %d %s: %s", tr.Status, tr.Error, tr.ErrorDescription)
	}
	return tr
}

// Get sends GET path with a bearer token (none when token is empty).
func (ts *Server) Get(t testing.TB, path, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
