package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// statelessBody is a 2026-07-28 request: the `_meta` triple of SEP-2575.
func statelessBody(id int, method string, params map[string]any) []byte {
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "raw-2026", "version": "0"},
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	return b
}

// postStateless sends a 2026-07-28 POST with the routing headers given
// (name may be empty) and ctx, which the caller cancels to break the stream.
func (s *testMCPServer) postStateless(t *testing.T, ctx context.Context, method, name string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/mcp", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	if method != "" {
		req.Header.Set("Mcp-Method", method)
	}
	if name != "" {
		req.Header.Set("Mcp-Name", name)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("POST /mcp: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestMarkersDiscoverAndListen: go-sdk's client at 2026-07-28 logs
// SERVER DISCOVER, then LISTEN SUBSCRIPTION OPENED for its
// subscriptions/listen stream, and LISTEN SUBSCRIPTION CLOSED with the
// reason when it closes the stream.
func TestMarkersDiscoverAndListen(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	client := mcp.NewClient(&mcp.Implementation{Name: "markers-2026", Version: "1.2"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {},
	})
	cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: s.Client()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := s.markers.waitMarker(t, markers.ServerDiscover, "markers-2026/1.2")
	if !strings.Contains(d.Detail, "2026-07-28") {
		t.Errorf("SERVER DISCOVER = %q, want the supported versions", d.Detail)
	}
	opened := s.markers.waitMarker(t, markers.ListenSubscriptionOpened, "toolsListChanged")
	cs.Close()
	closed := s.markers.waitMarker(t, markers.ListenSubscriptionClosed, "connection closed")
	if closed.RequestID != opened.RequestID {
		t.Errorf("CLOSED on request %s, OPENED on %s: want one stream", closed.RequestID, opened.RequestID)
	}
}

// TestMarkersListenIdleClosed: the idle-close fault cuts a quiet listen
// stream, and the reason says so.
func TestMarkersListenIdleClosed(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true, Keepalive: KeepaliveOff, Faults: FaultsOf(FaultIdleClose.For(time.Second)), TimeScale: 0.05}, nil)
	resp := s.postStateless(t, t.Context(), "subscriptions/listen", "", statelessBody(1, "subscriptions/listen", map[string]any{
		"notifications": map[string]any{"toolsListChanged": true},
	}))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscriptions/listen = %d", resp.StatusCode)
	}
	s.markers.waitMarker(t, markers.ListenSubscriptionOpened, "toolsListChanged")
	s.markers.waitMarker(t, markers.ListenSubscriptionClosed, "fault idle-close")
}

// TestMarkersHeaderMismatch: a request whose Mcp-Method (or Mcp-Name) a
// proxy rewrote or stripped is refused 400 -32020, and the marker shows
// what arrived.
func TestMarkersHeaderMismatch(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	body := statelessBody(1, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"text": "x"}})
	for _, tt := range []struct {
		name, method, mcpName, want string
	}{
		{"rewritten method", "tools/list", "echo", `Mcp-Method: tools/list`},
		{"stripped name", "tools/call", "", `Mcp-Name missing`},
		{"stripped both", "", "", `Mcp-Method missing`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.postStateless(t, t.Context(), tt.method, tt.mcpName, body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", resp.StatusCode)
			}
			var got struct {
				Error struct{ Code int } `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&got)
			if got.Error.Code != codeHeaderMismatch {
				t.Errorf("code = %d, want %d", got.Error.Code, codeHeaderMismatch)
			}
			s.markers.waitMarker(t, markers.HeaderMismatch, tt.want)
		})
	}
}

// TestMarkersRequestLostAndReissued: a tools/call whose stream breaks
// before the response is REQUEST LOST; the same call with a new id is
// REQUEST REISSUED, naming the lost id.
func TestMarkersRequestLostAndReissued(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	call := func(id int) (context.CancelFunc, *sseReader) {
		ctx, cancel := context.WithCancel(t.Context())
		params := map[string]any{"name": "slow", "arguments": map[string]any{"duration": "5m", "steps": 300}}
		body := statelessBody(id, "tools/call", params)
		// A progress token, so an event is on the wire before the cut.
		var m map[string]any
		json.Unmarshal(body, &m)
		m["params"].(map[string]any)["_meta"].(map[string]any)["progressToken"] = "p"
		body, _ = json.Marshal(m)
		resp := s.postStateless(t, ctx, "tools/call", "slow", body)
		return cancel, readSSE(resp.Body)
	}
	cancel, events := call(5)
	events.nextEvent(t) // the first progress notification: the call runs
	cancel()
	s.markers.waitMarker(t, markers.RequestLost, "id=5")
	cancel2, _ := call(9)
	defer cancel2()
	s.markers.waitMarker(t, markers.RequestReissued, "id=9 re-issues id=5")
}

// TestLostCallIsCancelled: 2026-07-28 says closing a call's stream cancels
// it. A call whose stream broke must not go on to do its work beside the
// client's re-issue: a tool that counts its completed runs, called, cut
// mid-call and re-issued, has run once when the re-issue answers (twice
// if the lost call had gone on: it started first, so it ends first).
func TestLostCallIsCancelled(t *testing.T) {
	// TimeScale 0.1: the headers go out after 100 ms (statelessHeaderGrace),
	// while the call still runs.
	s := startMCPServer(t, Config{AuthOff: true, TimeScale: 0.1}, nil)
	var runs atomic.Int32
	started := make(chan struct{}, 2)
	mcp.AddTool(s.srv.mcp.server, &mcp.Tool{Name: "tally"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		started <- struct{}{}
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(runs.Add(1))}}}, nil, nil
	})
	body := func(id int) []byte {
		return statelessBody(id, "tools/call", map[string]any{"name": "tally", "arguments": map[string]any{}})
	}
	ctx, cut := context.WithCancel(t.Context())
	s.postStateless(t, ctx, "tools/call", "tally", body(1))
	<-started
	cut()
	s.markers.waitMarker(t, markers.RequestLost, "id=1")
	resp := s.postStateless(t, t.Context(), "tools/call", "tally", body(2))
	ev := readSSE(resp.Body).nextEvent(t)
	if !strings.Contains(ev.data, `"text":"1"`) {
		t.Errorf("re-issued tally answered %s, want 1 run: the lost call went on after its stream broke", ev.data)
	}
}
