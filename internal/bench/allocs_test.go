package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpvcr/mcpvcr/server"
)

// The in-process half of `make bench`: bytes and allocations per
// tools/call, for our server (OAuth + markers formatted) and for a go-sdk
// server set up as the reference everything-server is, on one handler
// each, without the network.

func BenchmarkToolsCallReference(b *testing.B) {
	s := mcp.NewServer(&mcp.Implementation{Name: "reference", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: benchTool}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "This is a simple text response for testing."}}}, nil, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	benchToolsCall(b, h, "127.0.0.1", "")
}

func BenchmarkToolsCallOurs(b *testing.B) { benchOurs(b, io.Discard) }

// benchToolsCall opens a 2025-11-25 session on h and measures tools/call.
func benchToolsCall(b *testing.B, h http.Handler, host, token string) {
	do := func(body, session string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "http://"+host+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", string(Era2025))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := do(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`, "")
	session := w.Header().Get("Mcp-Session-Id")
	if w.Code != http.StatusOK || session == "" {
		b.Fatalf("initialize: %d %s", w.Code, w.Body)
	}
	if w := do(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session); w.Code != http.StatusAccepted {
		b.Fatalf("initialized: %d %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		w := do(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, i, benchTool), session)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"result"`) {
			b.Fatalf("tools/call: %d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkToolsCallOursQuiet is ours without a marker log (LogOutput
// nil): the difference to BenchmarkToolsCallOurs is what markers cost.
func BenchmarkToolsCallOursQuiet(b *testing.B) { benchOurs(b, nil) }

// benchOurs measures our server (OAuth on, markers to logs) in process.
func benchOurs(b *testing.B, logs io.Writer) {
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(server.Config{Addr: hs.Listener.Addr().String(), AutoApprove: true, Tools: "conformance", LogOutput: logs})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	hs.Config.Handler = srv
	hs.Start()
	defer hs.Close()
	tok, err := token(context.Background(), hs.URL, hs.URL+"/mcp")
	if err != nil {
		b.Fatal(err)
	}
	benchToolsCall(b, srv, hs.Listener.Addr().String(), tok)
}
