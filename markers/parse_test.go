package markers

import (
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	ts := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
	for _, tc := range []struct {
		name, line string
		want       Event
		ok         bool
	}{
		{"mcpvcr text", "2026-11-27T10:00:00.123456Z req=ab12 session=- === REQUEST BODY === Received 0 bytes", Event{Time: ts, Name: "REQUEST BODY", Detail: "Received 0 bytes", RequestID: "ab12"}, true},
		{"seed bare", "=== STREAM CLOSING === Processing complete, no more requests", Event{Name: "STREAM CLOSING", Detail: "Processing complete, no more requests"}, true},
		{"no detail", "INFO: === CRITICAL ===", Event{Name: "CRITICAL"}, true},
		{"docker timestamps", "2026-11-27T10:00:00.123456Z INFO:app.api.routes:=== SSE EVENT 1 === Sent endpoint event", Event{Time: ts, Name: "SSE EVENT 1", Detail: "Sent endpoint event"}, true},
		{"compose prefix", "medtainer-mcp-local  | === OAUTH SUCCESS === Token valid: xyz789ab...", Event{Name: "OAUTH SUCCESS", Detail: "Token valid: xyz789ab..."}, true},
		{"json", `{"time":"2026-11-27T10:00:00.123456Z","marker":"SESSION CREATED","detail":"New session ID","req":"r1","session":"s1"}`, Event{Time: ts, Name: "SESSION CREATED", Detail: "New session ID", RequestID: "r1", SessionID: "s1"}, true},
		{"plain line", "INFO: Uvicorn running on http://0.0.0.0:8000", Event{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseLine(tc.line)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			got.Line = ""
			if !ok {
				return
			}
			if !got.Time.Equal(tc.want.Time) || got.Name != tc.want.Name || got.Detail != tc.want.Detail || got.RequestID != tc.want.RequestID || got.SessionID != tc.want.SessionID {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
