package server

import (
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestLegacySSETransport: the 2024-11-05 HTTP+SSE transport at /sse, with
// go-sdk's SSE client: the endpoint event, then POSTs to the endpoint.
func TestLegacySSETransport(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpvcr-legacy-client", Version: "0"}, nil)
	cs, err := client.Connect(t.Context(), &mcp.SSEClientTransport{Endpoint: s.URL + "/sse", HTTPClient: s.Client()}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "legacy"}})
	if err != nil {
		t.Fatalf("tools/call: %v", err)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; got != "legacy" {
		t.Errorf("echo = %q, want legacy", got)
	}
	ep := s.markers.waitMarker(t, markers.SSEEvent.Nth("0"), "Sent endpoint event")
	if ep.SessionID == "" {
		t.Fatalf("endpoint event marker has no session id: %+v", ep)
	}
	// The POSTs name the same session (from ?sessionid=), so the stream's
	// story can be pulled out by session id.
	evs := s.markers.waitFor(t, "a POST to the legacy endpoint", func(evs []markers.Event) bool {
		for _, e := range evs {
			if e.Name == markers.MCPSSEConnectionStart && strings.HasPrefix(e.Detail, "Method: POST, Path: /sse") && e.SessionID == ep.SessionID {
				return true
			}
		}
		return false
	})
	_ = evs
}
