package report

import (
	"net/http"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

// heldListen is a small session drawn by hand: initialize over one
// connection, then a listen stream whose two notifications the tunnel held
// until it closed (field failure 2), keepalives included, and a tools/call
// cut by an idle timeout.
func heldListen() *Session {
	ms := time.Millisecond
	rec := func(tl harness.Timeline) *harness.Timeline { return &tl }
	return &Session{
		Title:     "gosdk_oauth_session through cloudflare-quick-tunnel",
		Source:    "hand-made",
		Start:     time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Profile:   "cloudflare-quick-tunnel",
		TimeScale: 0.01,
		Toxics: []Toxic{
			{Type: "sse_buffer", Stream: "downstream", Attributes: map[string]any{"methods": "GET"}, Why: "field failure 2"},
			{Type: "idle_cut", Stream: "downstream", Attributes: map[string]any{"timeout": int64(1000)}, Why: "field failure 11"},
		},
		Exchanges: []Exchange{
			{
				Index: 0, Name: "POST /mcp initialize",
				Live: harness.Timeline{Method: "POST", URL: "http://127.0.0.1:1/mcp", Status: 200, ContentType: "text/event-stream",
					Opened: 0, Headers: 2 * ms, Closed: 5 * ms, Reason: harness.EndServerEOF, Bytes: 300, Conn: "127.0.0.1:5000",
					Events: []harness.StreamEvent{{At: 3 * ms, ID: "0_0", Event: "message"}}},
				Recorded: rec(harness.Timeline{Status: 200, Opened: 0, Headers: 2 * ms, Closed: 4 * ms, Reason: harness.EndServerEOF,
					Events: []harness.StreamEvent{{At: 3 * ms, ID: "0_0"}}}),
				RequestHeader: http.Header{"Authorization": {"Bearer __ACCESS_TOKEN_1__"}, "Content-Type": {"application/json"}},
				RequestBody:   `{"jsonrpc":"2.0","id":1,"method":"initialize"}`,
			},
			{
				Index: 1, Name: "GET /mcp (listen)",
				Live: harness.Timeline{Method: "GET", URL: "http://127.0.0.1:1/mcp", Status: 200, ContentType: "text/event-stream",
					Opened: 10 * ms, Headers: 3000 * ms, Closed: 3010 * ms, Reason: harness.EndServerEOF, Bytes: 900, Conn: "127.0.0.1:5001",
					Events: []harness.StreamEvent{
						{At: 3001 * ms, Comment: true}, {At: 3002 * ms, ID: "1_0", Event: "message"},
						{At: 3002 * ms, ID: "1_1", Event: "message"}, {At: 3003 * ms, Comment: true},
					}},
				Recorded: rec(harness.Timeline{Status: 200, Opened: 10 * ms, Headers: 1 * ms, Closed: 3000 * ms, Reason: harness.EndServerEOF,
					Events: []harness.StreamEvent{{At: 150 * ms, Comment: true}, {At: 200 * ms, ID: "1_0"}, {At: 400 * ms, ID: "1_1"}}}),
				RequestHeader: http.Header{"Accept": {"text/event-stream"}, "Mcp-Session-Id": {"__SESSION_ID_1__"}},
			},
			{
				Index: 2, Name: "POST /mcp tools/call slow",
				Live: harness.Timeline{Method: "POST", URL: "http://127.0.0.1:1/mcp", Status: 524, ContentType: "text/html",
					Opened: 20 * ms, Headers: 1000 * ms, Closed: 1001 * ms, Reason: harness.EndServerEOF, Bytes: 60, Conn: "127.0.0.1:5000"},
				Recorded:    rec(harness.Timeline{Status: 200, Opened: 20 * ms, Headers: 1500 * ms, Closed: 1501 * ms, Reason: harness.EndServerEOF}),
				RequestBody: `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow"}}`,
			},
		},
		Markers: []Marker{
			{At: 1 * ms, Name: "SESSION CREATED", Detail: "id=abcd1234..."},
			{At: 11 * ms, Name: "SSE STREAM START", Detail: "GET"},
			{At: 200 * ms, Name: "SSE EVENT", Detail: "notifications/message"},
			{At: 3000 * ms, Name: "STREAM CLOSING"},
		},
	}
}
