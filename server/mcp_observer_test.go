package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/syncbuf"
)

// TestEveryMarkerCarriesRequestAndSessionID: one session's story can be
// pulled out of the log by session id. Only the initialize request's lines
// before the server minted the id lack it.
func TestEveryMarkerCarriesRequestAndSessionID(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	sid := s.initialize(t, "2025-06-18")
	ctx, cancel := context.WithCancel(t.Context())
	listen := s.listen(t, ctx, sid, "2025-06-18")
	readSSE(listen.Body).next(t) // the opening comment
	call := s.post(t, "/mcp", sid, "2025-06-18", []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`))
	readSSE(call.Body).nextEvent(t)
	cancel() // the client drops its listen stream
	s.markers.waitMarker(t, markers.ClientDisconnected, "")
	e := s.markers.waitMarker(t, markers.StreamClosing, "client disconnected")
	if !strings.Contains(e.Detail, "closed by client") {
		t.Errorf("STREAM CLOSING = %q, want closed by client", e.Detail)
	}

	evs := s.markers.snapshot()
	var initReq string
	for _, e := range evs {
		if e.Name == markers.InitializeDetected {
			initReq = e.RequestID
		}
	}
	seenSession := false
	for _, e := range evs {
		if e.RequestID == "" {
			continue // startup lines
		}
		if e.SessionID == sid {
			seenSession = seenSession || e.RequestID == initReq
			continue
		}
		if e.RequestID == initReq && !seenSession {
			continue // before SESSION CREATED's id was known
		}
		t.Errorf("marker without session %s: req=%s session=%q %s", sid, e.RequestID, e.SessionID, e.Text())
	}
}

// TestAuthOffIsLoud: --auth off logs CRITICAL at startup and a WARNING on
// every MCP request.
func TestAuthOffIsLoud(t *testing.T) {
	log := &syncbuf.Buffer{}
	s := startMCPServer(t, Config{AuthOff: true, LogOutput: log}, nil)
	resp := s.post(t, "/mcp", "", "", initializeBody("2025-06-18"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	s.markers.waitMarker(t, markers.Warning, "AUTH OFF: POST /mcp")
	if !strings.Contains(log.String(), "=== CRITICAL === AUTH OFF") {
		t.Errorf("startup log lacks the CRITICAL AUTH OFF line:\n%s", log.String())
	}
}
