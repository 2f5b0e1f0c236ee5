package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestBothErasOnOneEndpoint: go-sdk's client at its default (2026-07-28,
// server/discover, no session) and at 2025-11-25 (initialize, a session)
// use the same /mcp at once, and each gets the handler of its era.
func TestBothErasOnOneEndpoint(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	var mu sync.Mutex
	sessionIDs := map[string][]string{}
	record := func(era string) *http.Client {
		return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				mu.Lock()
				sessionIDs[era] = append(sessionIDs[era], resp.Header.Get("Mcp-Session-Id"))
				mu.Unlock()
			}
			return resp, err
		})}
	}
	connect := func(era, version string) *mcp.ClientSession {
		t.Helper()
		client := mcp.NewClient(&mcp.Implementation{Name: "era-" + era, Version: "0"}, nil)
		var opts *mcp.ClientSessionOptions
		if version != "" {
			opts = &mcp.ClientSessionOptions{ProtocolVersion: version}
		}
		cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: record(era), DisableStandaloneSSE: true}, opts)
		if err != nil {
			t.Fatalf("connect %s: %v", era, err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	old := connect("2025", "2025-11-25")
	current := connect("2026", "") // go-sdk v1.8.0's default
	for _, tt := range []struct {
		cs   *mcp.ClientSession
		want string
	}{{old, "2025-11-25"}, {current, "2026-07-28"}} {
		if got := tt.cs.InitializeResult().ProtocolVersion; got != tt.want {
			t.Errorf("negotiated protocol = %s, want %s", got, tt.want)
		}
		res, err := tt.cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": tt.want}})
		if err != nil {
			t.Fatalf("%s tools/call echo: %v", tt.want, err)
		}
		if got := res.Content[0].(*mcp.TextContent).Text; got != tt.want {
			t.Errorf("%s echo = %q", tt.want, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if ids := strings.Join(sessionIDs["2026"], ""); ids != "" {
		t.Errorf("2026-07-28 responses carried Mcp-Session-Id %q, want none", ids)
	}
	if ids := strings.Join(sessionIDs["2025"], ""); ids == "" {
		t.Error("2025-11-25 responses carried no Mcp-Session-Id")
	}
}

// TestRequestEra: the header decides; a POST without it is 2026-07-28
// only when a request's `_meta` says so (then go-sdk's stateless handler
// answers the missing header with HeaderMismatch).
func TestRequestEra(t *testing.T) {
	meta := func(v string) wireMessage {
		return wireMessage{Method: "tools/list", Params: []byte(`{"_meta":{"io.modelcontextprotocol/protocolVersion":"` + v + `"}}`)}
	}
	for _, tt := range []struct {
		name   string
		header string
		msgs   []wireMessage
		want   ProtocolEra
	}{
		{"no header, initialize", "", []wireMessage{{Method: "initialize"}}, EraSessions},
		{"2025 header", "2025-11-25", nil, EraSessions},
		{"2026 header", "2026-07-28", nil, EraStateless},
		{"a later version", "2027-01-01", nil, EraStateless},
		{"2026 _meta, no header", "", []wireMessage{meta("2026-07-28")}, EraStateless},
		{"2025 header beats 2026 _meta", "2025-11-25", []wireMessage{meta("2026-07-28")}, EraSessions},
		{"junk header", "zzzz", nil, EraSessions},
		{"junk _meta", "", []wireMessage{meta("9999-99-9x")}, EraSessions},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "/mcp", nil)
			if tt.header != "" {
				r.Header.Set("Mcp-Protocol-Version", tt.header)
			}
			if got := requestEra(r, tt.msgs); got != tt.want {
				t.Errorf("requestEra = %s, want %s", got, tt.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
