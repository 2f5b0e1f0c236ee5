package server_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/mcpvcr/mcpvcr/syncbuf"
)

var approvalCodeLine = regexp.MustCompile(`approval code (\d{4}-\d{4}) for client claude-desktop \(redirects to claude\.ai\)`)

// exposedConsent fetches the consent page with Host set to host (a tunnel
// in front of the server) and returns its CSRF token and body.
func exposedConsent(t *testing.T, ts *servertest.Server, host string) (csrf, page string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/authorize?"+servertest.AuthorizeParams(servertest.NewPKCE()).Encode(), nil)
	req.Host = host
	resp, err := servertest.NoRedirect.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "want the consent page, got %s", resp.Header.Get("Location"))
	m := csrfField.FindStringSubmatch(string(body))
	require.Len(t, m, 2, "consent page has a csrf field:\n%s", body)
	return m[1], string(body)
}

func approve(t *testing.T, ts *servertest.Server, host, csrf, code string) *http.Response {
	t.Helper()
	form := url.Values{"csrf": {csrf}, "decision": {"approve"}}
	if code != "" {
		form.Set("approval_code", code)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/authorize", strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := servertest.NoRedirect.Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func issuedCode(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return ""
	}
	return loc.Query().Get("code")
}

// TestSecurityHigh2ExposedConsentNeedsApprovalCode is issue 12 High 2:
// behind a public issuer the consent page alone no longer hands out a
// code; the approval code printed for the operator is required, is single
// use, and a wrong one spends the page.
func TestSecurityHigh2ExposedConsentNeedsApprovalCode(t *testing.T) {
	const public = "mcp.example.test"
	var terminal syncbuf.Buffer
	ts := servertest.Start(t, server.Config{Issuer: "https://" + public, ApprovalOutput: &terminal})

	csrf, page := exposedConsent(t, ts, public)
	assert.Contains(t, page, `name="approval_code"`)
	assert.Contains(t, page, "<strong>claude.ai</strong>", "the page names the redirect host")
	resp := approve(t, ts, public, csrf, "")
	assert.Empty(t, issuedCode(resp), "approved without an approval code: %s", resp.Header.Get("Location"))

	csrf, _ = exposedConsent(t, ts, public)
	resp = approve(t, ts, public, csrf, "0000-0000")
	assert.Empty(t, issuedCode(resp), "approved with a wrong approval code")

	csrf, _ = exposedConsent(t, ts, public)
	codes := approvalCodeLine.FindAllStringSubmatch(terminal.String(), -1)
	require.Len(t, codes, 3, "one approval code printed per consent page:\n%s", terminal.String())
	code := codes[2][1]
	resp = approve(t, ts, public, csrf, code)
	assert.NotEmpty(t, issuedCode(resp), "right approval code refused: %s", resp.Header.Get("Location"))
	assert.Empty(t, issuedCode(approve(t, ts, public, csrf, code)), "approval code used twice")
}

// TestSecurityHigh2ConsentSecret: with a configured consent secret the
// exposed page asks for it instead of a printed code.
func TestSecurityHigh2ConsentSecret(t *testing.T) {
	const public, secret = "mcp.example.test", "correct horse battery staple"
	ts := servertest.Start(t, server.Config{Issuer: "https://" + public, ConsentSecret: secret})
	csrf, page := exposedConsent(t, ts, public)
	assert.Contains(t, page, "consent secret")
	assert.Empty(t, issuedCode(approve(t, ts, public, csrf, "correct horse battery stapl")))
	csrf, _ = exposedConsent(t, ts, public)
	assert.NotEmpty(t, issuedCode(approve(t, ts, public, csrf, secret)))

	_, err := server.New(server.Config{ConsentSecret: "short"})
	assert.ErrorContains(t, err, "at least 16")
}

// TestSecurityHigh2AutoApproveRefusesPublicIssuer: --auto-approve on a
// public issuer fails to start unless forced, and forcing it is logged as
// CRITICAL.
func TestSecurityHigh2AutoApproveRefusesPublicIssuer(t *testing.T) {
	_, err := server.New(server.Config{AutoApprove: true, Issuer: "https://mcp.example.test"})
	require.True(t, errors.Is(err, server.ErrAutoApprovePublic), "New error = %v, want ErrAutoApprovePublic", err)

	var log syncbuf.Buffer
	srv, err := server.New(server.Config{AutoApprove: true, AutoApprovePublic: true, Issuer: "https://mcp.example.test", LogOutput: &log})
	require.NoError(t, err)
	srv.Close()
	assert.Contains(t, log.String(), "=== CRITICAL === AUTO-APPROVE ON A PUBLIC ISSUER")
}

// TestSecurityHigh2AutoApproveOnlyForLoopbackRequests: a loopback issuer
// with --auto-approve behind a tunnel (the request names a public Host)
// gets the consent page with an approval code, not a token.
func TestSecurityHigh2AutoApproveOnlyForLoopbackRequests(t *testing.T) {
	var terminal syncbuf.Buffer
	ts := servertest.Start(t, server.Config{AutoApprove: true, ApprovalOutput: &terminal})
	_, page := exposedConsent(t, ts, "abc.trycloudflare.com")
	assert.Contains(t, page, `name="approval_code"`)

	resp, loc := ts.Authorize(t, servertest.AuthorizeParams(servertest.NewPKCE()))
	require.Equal(t, http.StatusFound, resp.StatusCode, "a loopback request is still auto-approved")
	assert.NotEmpty(t, loc.Query().Get("code"))
}
