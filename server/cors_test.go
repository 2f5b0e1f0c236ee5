package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// A browser's preflight for /mcp is answered before the bearer check and
// allows every MCP header; every answer, a 401 included, exposes
// Mcp-Session-Id (field failure 35).
func TestCORSForBrowserClients(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/mcp", nil)
	req.Header.Set("Origin", "http://127.0.0.1:1")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,mcp-protocol-version,mcp-session-id")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight: %d, want 204", resp.StatusCode)
	}
	allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"authorization", "content-type", "mcp-protocol-version", "mcp-session-id", "last-event-id"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("preflight allows %q, missing %s", allowed, h)
		}
	}
	if m := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "DELETE") {
		t.Errorf("preflight allows methods %q, want DELETE among them", m)
	}

	post, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(`{}`))
	post.Header.Set("Origin", "http://127.0.0.1:1")
	resp, err = http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("401 without a token: %d, CORS %v; want 401 readable by the page, exposing Mcp-Session-Id and WWW-Authenticate",
			resp.StatusCode, resp.Header)
	}
}
