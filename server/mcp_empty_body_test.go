package server

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
)

// TestEmptyPOSTGetsJSONRPCError: a POST /mcp whose body a tunnel dropped
// gets a JSON-RPC parse error a client can show, not go-sdk's text/plain.
func TestEmptyPOSTGetsJSONRPCError(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	resp := s.post(t, "/mcp", "", "", nil)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	body, _ := io.ReadAll(resp.Body)
	var msg struct {
		JSONRPC string `json:"jsonrpc"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if msg.JSONRPC != "2.0" || msg.Error.Code != jsonRPCParseError {
		t.Fatalf("body = %s, want a JSON-RPC error with code %d", body, jsonRPCParseError)
	}
	s.markers.waitMarker(t, markers.RequestBody, "Received 0 bytes")
}
