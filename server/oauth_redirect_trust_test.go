package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

const phish = "https://evil.example/phish"

func registerPhish(t *testing.T, ts *servertest.Server) string {
	t.Helper()
	reg := register(t, ts, `{"client_name":"Totally Claude","redirect_uris":["`+phish+`"],"token_endpoint_auth_method":"none"}`)
	require.Equal(t, http.StatusCreated, reg.Status, reg.ErrorDescription)
	return reg.ClientID
}

// TestSecurityMedium11NoOpenRedirect is issue 12 Medium 11: a client
// registered with https://evil.example/phish got a 302 there straight
// from /authorize under --auto-approve, and a denied consent (or an
// error) redirected there too.
func TestSecurityMedium11NoOpenRedirect(t *testing.T) {
	p := servertest.NewPKCE()
	t.Run("auto-approve shows the page instead", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true})
		params := with(with(servertest.AuthorizeParams(p), "client_id", registerPhish(t, ts)), "redirect_uri", phish)
		resp, loc := ts.Authorize(t, params)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "want the consent page, got a redirect to %v", loc)

		trusted := servertest.Start(t, server.Config{AutoApprove: true, TrustedRedirectHosts: []string{"evil.example"}})
		params.Set("client_id", registerPhish(t, trusted))
		resp, loc = trusted.Authorize(t, params)
		require.Equal(t, http.StatusFound, resp.StatusCode, "a configured trusted host is auto-approved")
		assert.True(t, strings.HasPrefix(loc.String(), phish), "redirect %v", loc)
	})
	t.Run("an error is a page", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true})
		params := with(with(with(servertest.AuthorizeParams(p), "client_id", registerPhish(t, ts)), "redirect_uri", phish), "response_type", "token")
		resp, loc := ts.Authorize(t, params)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "want an error page, got a redirect to %v", loc)
	})
	t.Run("a denial is a page", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{})
		params := with(with(servertest.AuthorizeParams(p), "client_id", registerPhish(t, ts)), "redirect_uri", phish)
		resp, err := http.Get(ts.URL + "/authorize?" + params.Encode())
		require.NoError(t, err)
		body := readAll(t, resp)
		assert.Contains(t, body, "<strong>evil.example</strong>", "the page names the redirect host")
		m := csrfField.FindStringSubmatch(body)
		require.Len(t, m, 2)
		deny := postConsent(t, ts, url.Values{"csrf": {m[1]}, "decision": {"deny"}}, "")
		assert.Equal(t, http.StatusBadRequest, deny.StatusCode, "denial redirected to %s", deny.Header.Get("Location"))
	})
	t.Run("Claude's callbacks still auto-approve", func(t *testing.T) {
		ts := servertest.Start(t, server.Config{AutoApprove: true})
		reg := register(t, ts, `{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"none"}`)
		resp, _ := ts.Authorize(t, with(servertest.AuthorizeParams(p), "client_id", reg.ClientID))
		assert.Equal(t, http.StatusFound, resp.StatusCode)
	})
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	_, err := io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return b.String()
}
