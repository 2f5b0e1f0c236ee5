package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestDieAfterHeadersResumesAtOnce: a client that resumes the moment its
// call's connection drops gets the answer from the event store. The drop
// comes after go-sdk let go of the stream; when it came at the answer
// itself, a quick GET with Last-Event-ID could find the stream still held
// and get 409 "stream ID conflicts with ongoing stream" (one run in ten of
// scenarios/mcp_die_after_headers_resumed.txtar on a loaded machine).
func TestDieAfterHeadersResumesAtOnce(t *testing.T) {
	const version = "2025-11-25"
	s := startMCPServer(t, Config{AuthOff: true, Faults: FaultsOf(FaultDieAfterHeaders)}, nil)
	sid := s.initialize(t, version)
	for i := range 20 {
		call := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}`, 10+i)
		resp := s.post(t, "/mcp", sid, version, []byte(call))
		lastID, sawResult := "", false
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() { // until the connection drops
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				lastID = id
			}
			sawResult = sawResult || strings.Contains(sc.Text(), `"result"`)
		}
		if lastID == "" || sawResult {
			t.Fatalf("call %d: last event id %q, answer on the dying stream %v; want a priming id and no answer", i, lastID, sawResult)
		}

		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/mcp", nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("Mcp-Protocol-Version", version)
		req.Header.Set("Last-Event-ID", lastID)
		got, err := s.Client().Do(req)
		if err != nil {
			cancel()
			t.Fatalf("call %d: resume: %v", i, err)
		}
		if got.StatusCode != http.StatusOK {
			got.Body.Close()
			cancel()
			t.Fatalf("call %d: resume status = %d, want 200", i, got.StatusCode)
		}
		ev := readSSE(got.Body).nextEvent(t)
		got.Body.Close()
		cancel()
		if !strings.Contains(ev.data, `"result"`) {
			t.Fatalf("call %d: resumed event = %q, want the call's answer", i, ev.data)
		}
	}
}
