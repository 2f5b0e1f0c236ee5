package server_test

import (
	"net/http"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// BenchmarkBearerCheck measures one protected request through the bearer
// check (one Redis GET) over loopback HTTP, on the in-process miniredis.
func BenchmarkBearerCheck(b *testing.B) {
	ts := servertest.Start(b, server.Config{AutoApprove: true})
	ts.Protect("/mcp", okHandler())
	tok := ts.Token(b)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET /mcp = %v %v", resp, err)
		}
		resp.Body.Close()
	}
}

// BenchmarkAuthorizationCodeFlow measures /authorize + /token for
// claude-desktop (auto-approve): what a client's login costs the server.
func BenchmarkAuthorizationCodeFlow(b *testing.B) {
	ts := servertest.Start(b, server.Config{AutoApprove: true})
	for b.Loop() {
		ts.Token(b)
	}
}
