// Package oauthclient is an MCP client's side of OAuth 2.1, for tests and
// load runs against any issuer that approves without a person (mcpvcr's
// `serve --auto-approve`, a test identity provider): discovery (RFC 8414),
// dynamic client registration (RFC 7591), the authorization request with
// PKCE S256 (RFC 7636), the code exchange and the refresh grant, plus
// HeadlessConsent for go-sdk's own client.
//
//	c := &oauthclient.Client{Issuer: "http://127.0.0.1:8080"}
//	tok, err := c.Token(ctx)
//	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
//
// It imports nothing of mcpvcr, so the server's, the harness's and the
// kit's tests, the fixture clients and `mcpvcr load` all use this one.
package oauthclient

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Redirect URIs the OAuth client can name. Nothing ever connects to them:
// the client reads the code from the authorization response's Location.
const (
	// LoopbackCallback is the default, a native app's loopback redirect.
	LoopbackCallback = "http://127.0.0.1:1/callback"
	// ClaudeCallback is Claude's callback, the redirect URI of mcpvcr's
	// built-in public client "claude-desktop" (field failure 19).
	ClaudeCallback = "https://claude.ai/api/mcp/auth_callback"
)

// Client runs the flow against one issuer. Each step is a method, so a
// test controls their order; Token runs them all. A Client is not safe for
// concurrent use.
type Client struct {
	// Issuer is the authorization server's base URL.
	Issuer string
	// HTTPClient sends every request; nil means one with a 10 s timeout.
	// Redirects are never followed, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// ClientID and ClientSecret identify the client. An empty ClientID
	// makes Token register one.
	ClientID, ClientSecret string
	// ClientName is sent at registration; empty means "mcpvcr-oauthclient".
	ClientName string
	// RedirectURI is the redirect URI; empty means LoopbackCallback.
	RedirectURI string
	// Scope is requested when not empty.
	Scope string
	// Resource, when not empty, is the RFC 8707 resource indicator sent on
	// the authorization and token requests: the MCP server's URL, as the
	// protected resource metadata names it.
	Resource string
	// Metadata holds the issuer's endpoints. Discover fills it; with none,
	// the endpoints are Issuer + "/authorize", "/token" and "/register",
	// the defaults MCP gives a server without metadata.
	Metadata *Metadata
}

// Metadata is the part of RFC 8414 metadata the client uses.
type Metadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	RegistrationEndpoint          string   `json:"registration_endpoint,omitempty"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported,omitempty"`
}

// Token is a token endpoint's successful answer.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// Error is returned when an endpoint answers with an error: its HTTP
// status and, when the body is an OAuth error (RFC 6749 5.2), its code.
type Error struct {
	Endpoint    string // "GET /authorize", "POST /token"
	Status      int
	Code        string
	Description string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s = %d", e.Endpoint, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// PKCE is an S256 code verifier and its challenge.
type PKCE struct{ Verifier, Challenge string }

// NewPKCE returns a fresh PKCE pair (a 43-character verifier).
func NewPKCE() PKCE {
	v := randomString(32)
	sum := sha256.Sum256([]byte(v))
	return PKCE{Verifier: v, Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Token runs the whole flow: Discover (unless Metadata is set), Register
// (unless ClientID is set), Authorize with a fresh PKCE pair and state, and
// Exchange.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	if c.Metadata == nil {
		if _, err := c.Discover(ctx); err != nil {
			return nil, err
		}
	}
	if c.ClientID == "" {
		if err := c.Register(ctx); err != nil {
			return nil, err
		}
	}
	p := NewPKCE()
	code, err := c.Authorize(ctx, p, randomString(16))
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, code, p)
}

// Discover fetches the issuer's metadata (RFC 8414, then OpenID Connect
// Discovery) into Metadata.
func (c *Client) Discover(ctx context.Context) (*Metadata, error) {
	var errs []error
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		var md Metadata
		err := c.do(ctx, http.MethodGet, c.issuerURL(path), "", "", http.StatusOK, &md)
		if err == nil {
			if md.TokenEndpoint == "" || md.AuthorizationEndpoint == "" {
				return nil, fmt.Errorf("metadata at %s names no authorization or token endpoint", path)
			}
			c.Metadata = &md
			return &md, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("discovery: %w", errors.Join(errs...))
}

// issuerURL is the issuer's URL with path inserted after the host, as RFC
// 8414 section 3 builds a well-known URL for an issuer with a path.
func (c *Client) issuerURL(path string) string {
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Path == "" || u.Path == "/" {
		return strings.TrimSuffix(c.Issuer, "/") + path
	}
	u.Path = path + u.Path
	return u.String()
}

func (c *Client) endpoint(which string) string {
	if md := c.Metadata; md != nil {
		switch which {
		case "/authorize":
			return md.AuthorizationEndpoint
		case "/token":
			return md.TokenEndpoint
		case "/register":
			if md.RegistrationEndpoint != "" {
				return md.RegistrationEndpoint
			}
		}
	}
	return strings.TrimSuffix(c.Issuer, "/") + which
}

func (c *Client) redirectURI() string {
	if c.RedirectURI == "" {
		return LoopbackCallback
	}
	return c.RedirectURI
}

// Register registers a public client with the authorization-code and
// refresh grants (RFC 7591) and keeps its ClientID and ClientSecret.
func (c *Client) Register(ctx context.Context) error {
	name := c.ClientName
	if name == "" {
		name = "mcpvcr-oauthclient"
	}
	body, _ := json.Marshal(map[string]any{
		"client_name":                name,
		"redirect_uris":              []string{c.redirectURI()},
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
	})
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := c.do(ctx, http.MethodPost, c.endpoint("/register"), "application/json", string(body), http.StatusCreated, &out); err != nil {
		return err
	}
	if out.ClientID == "" {
		return errors.New("registration answered without client_id")
	}
	c.ClientID, c.ClientSecret = out.ClientID, out.ClientSecret
	return nil
}

// AuthorizeURL returns the authorization request's URL with p's challenge
// and state: what a person opens in a browser when the issuer needs one.
func (c *Client) AuthorizeURL(p PKCE, state string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ClientID},
		"redirect_uri":          {c.redirectURI()},
		"code_challenge":        {p.Challenge},
		"code_challenge_method": {"S256"},
		"state":                 {state},
	}
	if c.Scope != "" {
		q.Set("scope", c.Scope)
	}
	if c.Resource != "" {
		q.Set("resource", c.Resource)
	}
	u := c.endpoint("/authorize")
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

// Authorize sends the authorization request (AuthorizeURL) and returns
// the code from the redirect, which it never follows. The issuer must
// approve without a person.
func (c *Client) Authorize(ctx context.Context, p PKCE, state string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.AuthorizeURL(p, state), nil)
	if err != nil {
		return "", err
	}
	resp, err := c.noRedirect().Do(req)
	if err != nil {
		return "", fmt.Errorf("GET /authorize: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		e := &Error{Endpoint: "GET /authorize", Status: resp.StatusCode, Description: "want 302 with a code (does the issuer approve without a person? mcpvcr: serve --auto-approve)"}
		if loc != nil && loc.Query().Get("error") != "" {
			e.Code, e.Description = loc.Query().Get("error"), loc.Query().Get("error_description")
		}
		return "", e
	}
	if got := loc.Query().Get("state"); got != state {
		return "", fmt.Errorf("GET /authorize: redirect with state %q, want %q", got, state)
	}
	return loc.Query().Get("code"), nil
}

// Exchange redeems code with p's verifier.
func (c *Client) Exchange(ctx context.Context, code string, p PKCE) (*Token, error) {
	return c.token(ctx, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {c.redirectURI()},
		"client_id":     {c.ClientID},
		"code_verifier": {p.Verifier},
	})
}

// Refresh trades refreshToken for a new token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	return c.token(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {c.ClientID},
	})
}

func (c *Client) token(ctx context.Context, form url.Values) (*Token, error) {
	if c.ClientSecret != "" {
		form.Set("client_secret", c.ClientSecret)
	}
	if c.Resource != "" {
		form.Set("resource", c.Resource)
	}
	var tok Token
	if err := c.do(ctx, http.MethodPost, c.endpoint("/token"), "application/x-www-form-urlencoded", form.Encode(), http.StatusOK, &tok); err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("POST /token (%s) = 200 without access_token", form.Get("grant_type"))
	}
	return &tok, nil
}

func (c *Client) noRedirect() *http.Client {
	hc := &http.Client{Timeout: 10 * time.Second}
	if c.HTTPClient != nil {
		*hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}

// do sends one request and decodes a JSON answer with status want. Error
// bodies are OAuth errors (RFC 6749 5.2), never secrets, so they are kept.
func (c *Client) do(ctx context.Context, method, u, contentType, body string, want int, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	what := method + " " + req.URL.Path
	resp, err := c.noRedirect().Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", what, err)
	}
	if resp.StatusCode != want {
		e := &Error{Endpoint: what, Status: resp.StatusCode}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(data, &oe) == nil {
			e.Code, e.Description = oe.Error, oe.Description
		}
		return e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
