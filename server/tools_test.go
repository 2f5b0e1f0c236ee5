package server

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestWhoamiReadsTheOAuthContract: UserID is the subject, Extra carries
// client_id and resource (the audience), as the bearer check fills them.
func TestWhoamiReadsTheOAuthContract(t *testing.T) {
	tests := []struct {
		name string
		ti   *auth.TokenInfo
		want Whoami
	}{
		{"no token", nil, Whoami{Anonymous: true}},
		{"full token", &auth.TokenInfo{
			UserID: "user-1", Scopes: []string{"mcp", "claudeai"},
			Extra: map[string]any{"client_id": "client-1", "resource": "http://127.0.0.1:8080/mcp"},
		}, Whoami{ClientID: "client-1", Subject: "user-1", Scopes: []string{"mcp", "claudeai"}, Audience: "http://127.0.0.1:8080/mcp"}},
		{"token without extras", &auth.TokenInfo{UserID: "user-2"}, Whoami{Subject: "user-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := whoamiFrom(tt.ti); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("whoamiFrom = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSlowToolSendsProgressOnTheCallStream: progress notifications reach a
// real client while the call runs.
func TestSlowToolSendsProgressOnTheCallStream(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	progress := make(chan float64, 16)
	client := mcp.NewClient(&mcp.Implementation{Name: "progress-test", Version: "0"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress <- req.Params.Progress
		},
	})
	cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: s.Client(), DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	params := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"duration": "30ms", "steps": 3}}
	params.SetProgressToken("p1")
	if _, err := cs.CallTool(t.Context(), params); err != nil {
		t.Fatalf("tools/call slow: %v", err)
	}
	for want := 1.0; want <= 3; want++ {
		if got := <-progress; got != want {
			t.Errorf("progress = %v, want %v", got, want)
		}
	}
	s.markers.waitFor(t, "progress on the wire", func(evs []markers.Event) bool {
		n := 0
		for _, e := range evs {
			if strings.HasPrefix(string(e.Name), string(markers.SSEEvent)) && strings.Contains(e.Detail, "notifications/progress") {
				n++
			}
		}
		return n == 3
	})
}
