package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/mcpvcr/mcpvcr/loopback"
)

// AuthMethod is a token endpoint client authentication method (RFC 7591
// §2, token_endpoint_auth_method).
type AuthMethod string

const (
	// AuthNone is a public client: it proves nothing at /token but PKCE.
	// Claude's connector and mcp-remote register like this.
	AuthNone AuthMethod = "none"
	// AuthSecretPost sends client_id and client_secret in the form body.
	AuthSecretPost AuthMethod = "client_secret_post"
	// AuthSecretBasic sends them as HTTP Basic credentials, the default of
	// RFC 7591 when a registration names no method.
	AuthSecretBasic AuthMethod = "client_secret_basic"
)

var supportedAuthMethods = []string{string(AuthNone), string(AuthSecretPost), string(AuthSecretBasic)}

// GrantType is an OAuth grant type.
type GrantType string

const (
	GrantAuthorizationCode GrantType = "authorization_code"
	GrantRefreshToken      GrantType = "refresh_token"
)

var supportedGrantTypes = []string{string(GrantAuthorizationCode), string(GrantRefreshToken)}

// StaticClient is an OAuth client registered by configuration rather than
// by dynamic client registration, for clients that do not register
// themselves. `mcpvcr serve --clients FILE` reads a JSON array of them:
//
//	[{"client_id": "ci", "client_secret": "s3cret",
//	  "token_endpoint_auth_method": "client_secret_basic",
//	  "redirect_uris": ["http://127.0.0.1:3000/callback"]}]
//
// Empty TokenEndpointAuthMethod means "none" without a secret and
// "client_secret_basic" with one; empty GrantTypes means both
// authorization_code and refresh_token.
type StaticClient struct {
	ClientID                string     `json:"client_id"`
	ClientSecret            string     `json:"client_secret,omitempty"`
	ClientName              string     `json:"client_name,omitempty"`
	RedirectURIs            []string   `json:"redirect_uris"`
	TokenEndpointAuthMethod AuthMethod `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string   `json:"grant_types,omitempty"`
}

// ClaudeDesktop is the built-in public client of the seed's curl
// walk-through, with the two callbacks Claude uses (field failure 19).
var ClaudeDesktop = StaticClient{
	ClientID:   "claude-desktop",
	ClientName: "Claude Desktop",
	RedirectURIs: []string{
		"https://claude.ai/api/mcp/auth_callback",
		"https://claude.com/api/mcp/auth_callback",
	},
	TokenEndpointAuthMethod: AuthNone,
}

// LoadStaticClients reads a JSON array of StaticClient from path.
func LoadStaticClients(path string) ([]StaticClient, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read clients: %w", err)
	}
	var cs []StaticClient
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("clients file %s: %w", path, err)
	}
	return cs, nil
}

// client is a registered client as the server keeps it: the secret only
// as its SHA-256.
type client struct {
	ID           string     `json:"client_id"`
	Name         string     `json:"client_name,omitempty"`
	SecretHash   string     `json:"secret_sha256,omitempty"`
	RedirectURIs []string   `json:"redirect_uris"`
	AuthMethod   AuthMethod `json:"token_endpoint_auth_method"`
	GrantTypes   []string   `json:"grant_types"`
	Static       bool       `json:"-"`
}

// allows reports whether the client registered grant type g.
func (c *client) allows(g GrantType) bool { return slices.Contains(c.GrantTypes, string(g)) }

// newStaticClient validates sc as a registration would be and returns it as
// a client.
func newStaticClient(sc StaticClient) (*client, error) {
	if sc.ClientID == "" {
		return nil, errors.New("static client without client_id")
	}
	c := &client{ID: sc.ClientID, Name: sc.ClientName, RedirectURIs: sc.RedirectURIs, AuthMethod: sc.TokenEndpointAuthMethod, GrantTypes: sc.GrantTypes, Static: true}
	if c.AuthMethod == "" {
		c.AuthMethod = AuthNone
		if sc.ClientSecret != "" {
			c.AuthMethod = AuthSecretBasic
		}
	}
	if !slices.Contains(supportedAuthMethods, string(c.AuthMethod)) {
		return nil, fmt.Errorf("static client %q: token_endpoint_auth_method %q: want one of %v", c.ID, c.AuthMethod, supportedAuthMethods)
	}
	if (c.AuthMethod == AuthNone) != (sc.ClientSecret == "") {
		return nil, fmt.Errorf("static client %q: a client_secret goes with client_secret_post or client_secret_basic, and only with them", c.ID)
	}
	if sc.ClientSecret != "" {
		c.SecretHash = hashSecret(sc.ClientSecret)
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = supportedGrantTypes
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(supportedGrantTypes, g) {
			return nil, fmt.Errorf("static client %q: grant type %q: want one of %v", c.ID, g, supportedGrantTypes)
		}
	}
	if len(c.RedirectURIs) == 0 {
		return nil, fmt.Errorf("static client %q: no redirect_uris", c.ID)
	}
	for _, u := range c.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return nil, fmt.Errorf("static client %q: %w", c.ID, err)
		}
	}
	return c, nil
}

// checkRedirectURI enforces what a registered redirect URI may be: an
// absolute https URL, or http on a loopback host (RFC 8252 §7.3, what CLI
// clients use), without a fragment (RFC 6749 §3.1.2).
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("redirect URI %q is not an absolute URL", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q has a fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.IsHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("redirect URI %q: http is allowed only on loopback (127.0.0.1, [::1], localhost)", raw)
	default:
		return fmt.Errorf("redirect URI %q: scheme must be https (or http on loopback)", raw)
	}
}

// lookupClient returns the static or registered client id, or the client
// its metadata document describes (an https client_id, oauth_cimd.go), or
// errNotFound.
func (s *Server) lookupClient(ctx context.Context, id string) (*client, error) {
	if c, ok := s.oauth.static[id]; ok {
		return c, nil
	}
	if isCIMDClientID(id) {
		return s.lookupCIMDClient(ctx, id)
	}
	var c client
	if err := s.oauth.store.getJSON(ctx, s.oauth.store.key(keyClient, id), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// authenticateClient identifies and authenticates the client of a token or
// revocation request by its registered method (RFC 6749 §2.3, RFC 7591 §2).
// Every failure is invalid_client with status 401; Claude re-registers on it
// (field failure 19), which is what a client with a stale client_id should do.
func (s *Server) authenticateClient(r *http.Request) (*client, error) {
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, refuse(OAuthInvalidClient, "malformed HTTP Basic client credentials")
		}
		if r.PostForm.Has("client_secret") {
			return nil, refuse(OAuthInvalidRequest, "client authenticated with more than one method (Basic and client_secret)")
		}
		if fid := r.PostForm.Get("client_id"); fid != "" && fid != id {
			return nil, refuse(OAuthInvalidRequest, "client_id in the body differs from the Basic credentials")
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		return nil, refuse(OAuthInvalidClient, "no client_id and no client credentials")
	}
	c, err := s.lookupClient(r.Context(), id)
	if errors.Is(err, errNotFound) {
		return nil, refuse(OAuthInvalidClient, "unknown client_id %q; register again", id)
	}
	if err != nil {
		return nil, err
	}
	used := AuthNone
	switch {
	case basic:
		used = AuthSecretBasic
	case secret != "":
		used = AuthSecretPost
	}
	if used != c.AuthMethod {
		return nil, refuse(OAuthInvalidClient, "client %q is registered with %s but authenticated with %s", id, c.AuthMethod, used)
	}
	if c.AuthMethod != AuthNone && subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(c.SecretHash)) != 1 {
		return nil, refuse(OAuthInvalidClient, "wrong client_secret for client %q", id)
	}
	return c, nil
}
