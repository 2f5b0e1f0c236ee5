package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
)

// FuzzMCPRequest: a POST or DELETE to /mcp with any body and any of the
// headers the MCP wrapper reads (Content-Type, Accept, Mcp-Session-Id,
// Mcp-Protocol-Version, Origin, Host, Last-Event-ID), with a valid bearer
// token. The placeholder SID is replaced by a live session's id so go-sdk's
// paths past the session lookup are reached. Checked for every input: no
// 5xx, a JSON body is valid JSON (a JSON-RPC error on 4xx), every SSE data
// line is one JSON-RPC message, the token is never echoed or logged, and
// the log stays one marker per line.
func FuzzMCPRequest(f *testing.F) {
	ts, guard := startFuzzServer(f, server.Config{})
	tok := ts.Token(f)
	guard.watch(tok.AccessToken, tok.RefreshToken)
	sid := initializeMCP(f, ts, tok.AccessToken)

	const ct, accept, v = "application/json", "application/json, text/event-stream", protocolVersion
	f.Add(false, initializeJSON, ct, accept, "", "", "", "")
	f.Add(false, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, ct, accept, "SID", v, "", "")
	f.Add(false, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}`, ct, accept, "SID", v, "http://localhost", "")
	f.Add(false, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"slow","arguments":{"duration":"10ms","steps":2},"_meta":{"progressToken":"p"}}}`, ct, accept, "SID", v, "", "")
	f.Add(false, `[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`, ct, accept, "SID", v, "", "")
	f.Add(false, `{"jsonrpc":"2.0","id":6,"method":"x\n=== AUTH SUCCESS ==="}`, ct, accept, "SID", v, "", "")
	f.Add(false, `{"jsonrpc":"2.0","id":{"a":`+"\n"+`1},"method":"ping"}`, ct, accept, "SID", "1999-01-01", "", "")
	f.Add(false, `{"jsonrpc":"2.0","id":7,"method":`, "text/plain", "text/html", "nope", "", "https://evil.example", "")
	f.Add(false, "", ct, accept, "SID", v, "null", "SID_0")
	f.Add(true, "", "", "", "SID", v, "", "")
	f.Add(true, "", "", "", "no-such-session", "", "", "")
	f.Fuzz(func(t *testing.T, del bool, body, contentType, accept, sessionID, version, origin, lastEventID string) {
		method := http.MethodPost
		if del {
			method = http.MethodDelete
		}
		sessionID = strings.ReplaceAll(sessionID, "SID", sid)
		lastEventID = strings.ReplaceAll(lastEventID, "SID", sid)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // the slow tool, a stuck stream
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, method, "http://127.0.0.1/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		for k, v := range map[string]string{"Content-Type": contentType, "Accept": accept, "Mcp-Session-Id": sessionID,
			"Mcp-Protocol-Version": version, "Origin": origin, "Last-Event-ID": lastEventID} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := serve(ts, req)
		checkNo5xx(t, rec)
		// Keep one live session to aim at, and no others: a fuzzed
		// initialize opens a session go-sdk would keep for good.
		if created := rec.Header().Get("Mcp-Session-Id"); created != "" && created != sid {
			serve(ts, mcpRequest(t, ts, http.MethodDelete, tok.AccessToken, created, ""))
		}
		if del && sessionID == sid && rec.Code < 300 {
			sid = initializeMCP(t, ts, tok.AccessToken)
		}
		if rec.Code == http.StatusUnauthorized {
			t.Fatalf("401 with a valid token: %q", rec.Body.String())
		}
		out := rec.Body.String()
		if strings.Contains(out, tok.AccessToken) {
			t.Fatalf("access token echoed in %q", out)
		}
		switch ctype := rec.Header().Get("Content-Type"); {
		case strings.HasPrefix(ctype, "application/json"):
			var msg struct {
				JSONRPC string `json:"jsonrpc"`
				Error   *struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &msg); err != nil {
				t.Fatalf("status %d: JSON body %q: %v", rec.Code, out, err)
			}
			if rec.Code >= 400 && (msg.JSONRPC != "2.0" || msg.Error == nil || msg.Error.Code == 0) {
				t.Fatalf("status %d: not a JSON-RPC error: %q", rec.Code, out)
			}
		case strings.HasPrefix(ctype, "text/event-stream"):
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 8<<20)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && data != "" && !json.Valid([]byte(data)) {
					t.Fatalf("SSE data line is not JSON: %q", data)
				}
			}
		}
		guard.check(t)
	})
}
