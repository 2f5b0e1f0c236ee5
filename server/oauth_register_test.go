package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type registration struct {
	Status                  int      `json:"-"`
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	RedirectURIs            []string `json:"redirect_uris"`
	Error                   string   `json:"error"`
	ErrorDescription        string   `json:"error_description"`
}

func register(t *testing.T, ts *servertest.Server, body string) registration {
	t.Helper()
	resp, err := http.Post(ts.URL+"/register", "application/json", bytes.NewBufferString(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	reg := registration{Status: resp.StatusCode}
	require.NoError(t, json.Unmarshal(b, &reg), "body %q", b)
	return reg
}

func TestRegisterPublicClient(t *testing.T) {
	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
		reg := register(t, ts, `{"client_name":"claude-ai","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],
			"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`)
		require.Equal(t, http.StatusCreated, reg.Status, reg.ErrorDescription)
		assert.NotEmpty(t, reg.ClientID)
		assert.Empty(t, reg.ClientSecret, "public client gets no secret")
		assert.Equal(t, "none", reg.TokenEndpointAuthMethod)
		assertMarker(t, ts, markers.OAuthClientRegistered, "client_id="+reg.ClientID)

		p := servertest.NewPKCE()
		params := with(servertest.AuthorizeParams(p), "client_id", reg.ClientID)
		_, loc := ts.Authorize(t, params)
		require.NotNil(t, loc)
		tr := ts.PostToken(t, "/token", with(tokenForm(loc.Query().Get("code"), p), "client_id", reg.ClientID), "", "")
		assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
		assert.NotEmpty(t, tr.RefreshToken)
	})
}

// Confidential clients, both secret methods, and every way to get them wrong.
func TestConfidentialClients(t *testing.T) {
	for _, method := range []string{"client_secret_basic", "client_secret_post"} {
		t.Run(method, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{AutoApprove: true})
			reg := register(t, ts, `{"redirect_uris":["http://127.0.0.1:3000/callback"],"token_endpoint_auth_method":"`+method+`"}`)
			require.Equal(t, http.StatusCreated, reg.Status, reg.ErrorDescription)
			require.GreaterOrEqual(t, len(reg.ClientSecret), 43)
			require.NotNil(t, reg.ClientSecretExpiresAt)
			assert.Equal(t, int64(0), *reg.ClientSecretExpiresAt)
			assert.Equal(t, []string{"authorization_code"}, reg.GrantTypes, "RFC 7591 default")

			post := func(form url.Values, user, pass string) servertest.TokenResponse {
				p := servertest.NewPKCE()
				_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "client_id", reg.ClientID, "redirect_uri", "http://127.0.0.1:3000/callback"))
				require.NotNil(t, loc)
				f := with(tokenForm(loc.Query().Get("code"), p), "redirect_uri", "http://127.0.0.1:3000/callback", "client_id", "")
				for k, v := range form {
					f[k] = v
				}
				return ts.PostToken(t, "/token", f, user, pass)
			}
			good := func() servertest.TokenResponse {
				if method == "client_secret_basic" {
					return post(nil, reg.ClientID, reg.ClientSecret)
				}
				return post(url.Values{"client_id": {reg.ClientID}, "client_secret": {reg.ClientSecret}}, "", "")
			}()
			require.Equal(t, http.StatusOK, good.Status, good.ErrorDescription)
			assert.Empty(t, good.RefreshToken, "client did not register refresh_token")

			for _, tc := range []struct {
				name      string
				form      url.Values
				user      string
				pass      string
				wantError string
				basic     bool
			}{
				{"wrong secret basic", nil, reg.ClientID, "wrong", "invalid_client", true},
				{"wrong secret post", url.Values{"client_id": {reg.ClientID}, "client_secret": {"wrong"}}, "", "", "invalid_client", false},
				{"no secret", url.Values{"client_id": {reg.ClientID}}, "", "", "invalid_client", false},
				{"both methods", url.Values{"client_secret": {reg.ClientSecret}}, reg.ClientID, reg.ClientSecret, "invalid_request", true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tr := post(tc.form, tc.user, tc.pass)
					assert.Equal(t, tc.wantError, tr.Error)
					if tc.wantError == "invalid_client" {
						assert.Equal(t, http.StatusUnauthorized, tr.Status)
						if tc.basic {
							assert.Contains(t, tr.Header.Get("WWW-Authenticate"), "Basic")
						}
					}
				})
			}
			t.Run("refresh not registered", func(t *testing.T) {
				tr := ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {reg.ClientID}, "client_secret": {reg.ClientSecret}}, "", "")
				if method == "client_secret_basic" {
					tr = ts.PostToken(t, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, reg.ClientID, reg.ClientSecret)
				}
				assert.Equal(t, "unauthorized_client", tr.Error)
			})
		})
	}
}

func TestRegisterRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body, wantError, reason string
	}{
		{"not JSON", `redirect_uris=x`, "invalid_client_metadata", "not a JSON object"},
		{"wrong type", `{"redirect_uris":"https://a.example/cb"}`, "invalid_client_metadata", "wrong type"},
		{"no redirect_uris", `{"client_name":"x"}`, "invalid_redirect_uri", "redirect_uris is required"},
		{"http on a public host", `{"redirect_uris":["http://evil.example/cb"]}`, "invalid_redirect_uri", "only on loopback"},
		{"custom scheme", `{"redirect_uris":["cursor://cb"]}`, "invalid_redirect_uri", "scheme must be https"},
		{"fragment", `{"redirect_uris":["https://a.example/cb#frag"]}`, "invalid_redirect_uri", "fragment"},
		{"relative", `{"redirect_uris":["/cb"]}`, "invalid_redirect_uri", "not an absolute URL"},
		{"unknown auth method", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata", "not supported"},
		{"implicit grant", `{"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata", "not supported"},
		{"refresh only", `{"redirect_uris":["https://a.example/cb"],"grant_types":["refresh_token"]}`, "invalid_client_metadata", "must include authorization_code"},
		{"token response type", `{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "invalid_client_metadata", "response_types"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := servertest.Start(t, server.Config{})
			reg := register(t, ts, tc.body)
			assert.Equal(t, http.StatusBadRequest, reg.Status)
			assert.Equal(t, tc.wantError, reg.Error)
			assert.Contains(t, reg.ErrorDescription, tc.reason)
			assertMarker(t, ts, markers.OAuthRegisterFailed, "error="+tc.wantError)
		})
	}
}

func TestRegisterAcceptsLoopbackHTTP(t *testing.T) {
	ts := servertest.Start(t, server.Config{})
	for _, u := range []string{"http://127.0.0.1:33418/callback", "http://localhost:8085/cb", "http://[::1]:9/cb"} {
		reg := register(t, ts, `{"redirect_uris":["`+u+`"],"token_endpoint_auth_method":"none"}`)
		assert.Equal(t, http.StatusCreated, reg.Status, "%s: %s", u, reg.ErrorDescription)
	}
}

func TestStaticClientsByConfig(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true, Clients: []server.StaticClient{{
		ClientID: "ci", ClientSecret: "s3cret:with/odd&chars", RedirectURIs: []string{"http://127.0.0.1:3000/callback"},
	}}})
	p := servertest.NewPKCE()
	_, loc := ts.Authorize(t, with(servertest.AuthorizeParams(p), "client_id", "ci", "redirect_uri", ""))
	require.NotNil(t, loc, "single registered redirect URI is the default")
	require.NotEmpty(t, loc.Query().Get("code"), loc.Query().Get("error_description"))
	form := with(tokenForm(loc.Query().Get("code"), p), "client_id", "", "redirect_uri", "")
	tr := ts.PostToken(t, "/token", form, "ci", "s3cret:with/odd&chars")
	assert.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
	assert.NotEmpty(t, tr.RefreshToken, "static clients may refresh by default")
}

func TestStaticClientValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client server.StaticClient
		reason string
	}{
		{"no id", server.StaticClient{RedirectURIs: []string{"https://a.example/cb"}}, "without client_id"},
		{"no redirect", server.StaticClient{ClientID: "x"}, "no redirect_uris"},
		{"bad redirect", server.StaticClient{ClientID: "x", RedirectURIs: []string{"http://a.example/cb"}}, "loopback"},
		{"secret with none", server.StaticClient{ClientID: "x", ClientSecret: "s", TokenEndpointAuthMethod: server.AuthNone, RedirectURIs: []string{"https://a.example/cb"}}, "client_secret goes with"},
		{"bad method", server.StaticClient{ClientID: "x", TokenEndpointAuthMethod: "tls_client_auth", RedirectURIs: []string{"https://a.example/cb"}}, "token_endpoint_auth_method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := server.New(server.Config{Clients: []server.StaticClient{tc.client}})
			assert.ErrorContains(t, err, tc.reason)
		})
	}
}
