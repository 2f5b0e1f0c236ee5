package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
)

// TestRefusalsCarryStatusAndMarker: each refusal gets the right status and
// a REQUEST REFUSED marker that says why.
func TestRefusalsCarryStatusAndMarker(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		do         func(t *testing.T, s *testMCPServer) *http.Response
		wantStatus int
		wantReason string
		wantRPC    int // JSON-RPC error code in the body, 0 = not JSON
	}{
		{
			name: "unknown session is 404",
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				return s.post(t, "/mcp", "no-such-session", "2025-06-18", []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
			},
			wantStatus: http.StatusNotFound, wantReason: "session not found",
		},
		{
			name:   "unknown session with fault session-400",
			faults: FaultsOf(FaultSession400),
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				return s.post(t, "/mcp", "no-such-session", "2025-06-18", []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
			},
			wantStatus: http.StatusBadRequest, wantReason: "session not found",
		},
		{
			name: "malformed JSON is 400 with a parse error",
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				return s.post(t, "/mcp", "", "", []byte(`{"jsonrpc":"2.0","id":1,"method":`))
			},
			wantStatus: http.StatusBadRequest, wantReason: "Parse error", wantRPC: jsonRPCParseError,
		},
		{
			name: "body over the limit is 413",
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				return s.post(t, "/mcp", "", "", bytes.Repeat([]byte(" "), maxBodyBytes+1))
			},
			wantStatus: http.StatusRequestEntityTooLarge, wantReason: "exceeds", wantRPC: jsonRPCInvalidRequest,
		},
		{
			name: "foreign Host is 403",
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/mcp", strings.NewReader(string(initializeBody("2025-06-18"))))
				req.Host = "rebind.invalid"
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				return mustDo(t, s, req)
			},
			wantStatus: http.StatusForbidden, wantReason: "DNS rebinding",
		},
		{
			name: "foreign Origin is 403",
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/mcp", strings.NewReader(string(initializeBody("2025-06-18"))))
				req.Header.Set("Origin", "http://rebind.invalid")
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				return mustDo(t, s, req)
			},
			wantStatus: http.StatusForbidden, wantReason: "Origin",
		},
		{
			name:   "listen stream with fault get-405",
			faults: FaultsOf(FaultGet405),
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				sid := s.initialize(t, "2025-06-18")
				return s.listen(t, t.Context(), sid, "2025-06-18")
			},
			wantStatus: http.StatusMethodNotAllowed, wantReason: "get-405",
		},
		{
			name:   "listen stream with fault get-400",
			faults: FaultsOf(FaultGet400),
			do: func(t *testing.T, s *testMCPServer) *http.Response {
				sid := s.initialize(t, "2025-06-18")
				return s.listen(t, t.Context(), sid, "2025-06-18")
			},
			wantStatus: http.StatusBadRequest, wantReason: "get-400",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startMCPServer(t, Config{AuthOff: true, Faults: tt.faults}, nil)
			resp := tt.do(t, s)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantRPC != 0 {
				var msg struct {
					Error struct{ Code int } `json:"error"`
				}
				if err := json.Unmarshal(body, &msg); err != nil || msg.Error.Code != tt.wantRPC {
					t.Errorf("body %q: JSON-RPC error code = %d (err %v), want %d", body, msg.Error.Code, err, tt.wantRPC)
				}
			}
			e := s.markers.waitMarker(t, markers.RequestRefused, tt.wantReason)
			if !strings.Contains(e.Detail, http.StatusText(tt.wantStatus)) && !strings.Contains(e.Detail, "Status "+itoa(tt.wantStatus)) {
				t.Errorf("marker %q does not name status %d", e.Text(), tt.wantStatus)
			}
		})
	}
}

func mustDo(t *testing.T, s *testMCPServer, req *http.Request) *http.Response {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestPrimingEventOnlyFrom20251125: older clients JSON.parse("") an empty
// priming event and fail (field failure 15), so only >= 2025-11-25 gets one.
func TestPrimingEventOnlyFrom20251125(t *testing.T) {
	for _, tt := range []struct {
		version   string
		wantPrime bool
	}{
		{"2024-11-05", false},
		{"2025-03-26", false},
		{"2025-06-18", false},
		{"2025-11-25", true},
	} {
		t.Run(tt.version, func(t *testing.T) {
			s := startMCPServer(t, Config{AuthOff: true}, nil)
			resp := s.post(t, "/mcp", "", "", initializeBody(tt.version))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			first := readSSE(resp.Body).nextEvent(t)
			gotPrime := first.data == "" && first.id != ""
			if gotPrime != tt.wantPrime {
				t.Errorf("first event %+v: priming = %v, want %v", first, gotPrime, tt.wantPrime)
			}
			if !gotPrime && !strings.Contains(first.data, `"protocolVersion":"`+tt.version+`"`) {
				t.Errorf("first event data = %q, want the initialize result for %s", first.data, tt.version)
			}
		})
	}
}

// TestJSONOnlyFaultAnswersJSON: the json-only fault never answers with SSE.
func TestJSONOnlyFaultAnswersJSON(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true, Faults: FaultsOf(FaultJSONOnly)}, nil)
	resp := s.post(t, "/mcp", "", "", initializeBody("2025-11-25"))
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "application/json" {
		t.Fatalf("status %d, content-type %q; want 200 application/json", resp.StatusCode, ct)
	}
	s.markers.waitMarker(t, markers.SessionCreated, resp.Header.Get("Mcp-Session-Id"))
}

// TestDeleteLogsSessionDeletedAndThen404: a deleted session is gone.
func TestDeleteLogsSessionDeletedAndThen404(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	sid := s.initialize(t, "2025-06-18")
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/mcp", nil)
	req.Header.Set("Mcp-Session-Id", sid)
	if resp := mustDo(t, s, req); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE status = %d, want 204", resp.StatusCode)
	}
	e := s.markers.waitMarker(t, markers.SessionDeleted, "")
	if e.SessionID != sid {
		t.Errorf("SESSION DELETED session = %q, want %q", e.SessionID, sid)
	}
	resp := s.post(t, "/mcp", sid, "2025-06-18", []byte(`{"jsonrpc":"2.0","id":3,"method":"ping"}`))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("after DELETE: status = %d, want 404", resp.StatusCode)
	}
}

// TestPOSTStreamCommitsHeadersBeforeALongCall: at 2025-06-18 there is no
// priming event, so without the early commit a slow tool call would leave
// the client without headers until it finished (field failure 6).
func TestPOSTStreamCommitsHeadersBeforeALongCall(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true}, nil)
	sid := s.initialize(t, "2025-06-18")
	resp := s.post(t, "/mcp", sid, "2025-06-18", []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{"duration":"50ms","steps":1}}}`))
	stream := readSSE(resp.Body)
	if b := stream.next(t); !b.comment {
		t.Fatalf("first block = %+v, want the opening comment", b)
	}
	if b := stream.nextEvent(t); !strings.Contains(b.data, `"id":7`) {
		t.Fatalf("event = %+v, want the response to id 7", b)
	}
	s.markers.waitMarker(t, markers.KeepaliveSent, "Opening comment after headers")
}
