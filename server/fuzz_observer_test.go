package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
)

// lineCheck is a log sink that records the first write that is not exactly
// one marker line.
type lineCheck struct {
	mu  sync.Mutex
	bad string
}

var oneMarkerLine = regexp.MustCompile(`^\S+Z req=\S+ session=(\S+|"(?:[^"\\]|\\.)*") === [A-Z0-9/ ]+ ===( [^\n]*)?\n$`)

func (c *lineCheck) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bad == "" && !oneMarkerLine.Match(p) {
		c.bad = fmt.Sprintf("not one marker line: %q", p)
	}
	return len(p), nil
}

// FuzzObserverWrite feeds any bytes, in any chunking, through the
// observedWriter as go-sdk would write them (headers set, then Write and
// Flush per chunk). The observer must pass the bytes on unchanged, never
// panic on a malformed event, and log one marker per line whatever the
// event or the session id holds.
func FuzzObserverWrite(f *testing.F) {
	check := &lineCheck{}
	log := NewLogger(check, LogText)
	e, err := newMCPEndpoints(Config{Issuer: "http://127.0.0.1:1", Keepalive: KeepaliveOff}, log, NewMemorySessionState())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("event: message\nid: S_0\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n", "text/event-stream", "S", uint8(0))
	f.Add(": stream open\n\nid: S_1\ndata: \n\n", "text/event-stream", "", uint8(3))
	f.Add("event: endpoint\ndata: /sse?sessionid=ABC\n\n", "text/event-stream", "", uint8(0))
	f.Add("data: {\"jsonrpc\":\"2.0\",\"method\":\"x\\n=== AUTH SUCCESS ===\"}\n\n", "text/event-stream; charset=utf-8", "a\nb", uint8(7))
	f.Add("event: close\nretry: 10\n\n\n\n\n:\n\ndata: [1,2\n\n", "text/event-stream", "s === X ===", uint8(1))
	f.Add(`{"jsonrpc":"2.0","id":1,"result":{}}`, "application/json", "S", uint8(0))
	f.Fuzz(func(t *testing.T, data, contentType, sessionID string, chunk uint8) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", nil)
		ctx, _ := WithScope(req.Context(), "fuzz")
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		ow := e.newObservedWriter(rec, req, ctx, cancel)
		ow.initializeID = "1"
		ow.Header().Set("Content-Type", contentType)
		if sessionID != "" {
			ow.Header().Set("Mcp-Session-Id", sessionID)
		}
		n := int(chunk)
		if n == 0 {
			n = len(data) + 1
		}
		for rest := data; rest != ""; {
			c := rest[:min(n, len(rest))]
			rest = rest[len(c):]
			if _, err := ow.Write([]byte(c)); err != nil {
				t.Fatalf("Write: %v", err)
			}
			ow.Flush()
		}
		ow.finish(context.Background())
		if got := rec.Body.String(); got != data {
			t.Fatalf("observer changed the bytes:\n got %q\nwant %q", got, data)
		}
		if sessionID != "" {
			e.owners.forget(sessionID)
		}
		check.mu.Lock()
		bad := check.bad
		check.bad = ""
		check.mu.Unlock()
		if bad != "" {
			t.Fatal(bad)
		}
	})
}
