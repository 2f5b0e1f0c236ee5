package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// waitTimeout bounds every wait on an event in these tests. It is a
// deadline for something that should happen, never a measured duration.
const waitTimeout = 20 * time.Second

// markerCapture collects the server's marker events as they are logged.
type markerCapture struct {
	mu      sync.Mutex
	events  []markers.Event
	changed chan struct{} // closed and replaced on every event
}

func newMarkerCapture() *markerCapture {
	return &markerCapture{changed: make(chan struct{})}
}

func (c *markerCapture) add(e markers.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *markerCapture) snapshot() []markers.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]markers.Event(nil), c.events...)
}

// waitFor waits until pred holds for the events so far, and returns them.
func (c *markerCapture) waitFor(t *testing.T, what string, pred func([]markers.Event) bool) []markers.Event {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		evs := append([]markers.Event(nil), c.events...)
		changed := c.changed
		c.mu.Unlock()
		if pred(evs) {
			return evs
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; markers so far:\n%s", what, eventLines(evs))
		}
	}
}

// waitMarker waits for an event with marker m whose detail contains substr.
func (c *markerCapture) waitMarker(t *testing.T, m markers.Name, substr string) markers.Event {
	t.Helper()
	var found markers.Event
	c.waitFor(t, string(m)+" "+substr, func(evs []markers.Event) bool {
		for _, e := range evs {
			if e.Name == m && strings.Contains(e.Detail, substr) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

func eventLines(evs []markers.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("  req=" + orDash(e.RequestID) + " session=" + orDash(e.SessionID) + " " + e.Text() + "\n")
	}
	return b.String()
}

func filterEvents(evs []markers.Event, keep func(markers.Event) bool) []markers.Event {
	var out []markers.Event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func byRequest(id string) func(markers.Event) bool {
	return func(e markers.Event) bool { return e.RequestID == id }
}

// testMCPServer is a Server on a loopback httptest.Server.
type testMCPServer struct {
	*httptest.Server
	srv     *Server
	markers *markerCapture
}

// startMCPServer starts a Server for cfg on 127.0.0.1 with wrap (may be
// nil) around it. Cleanup closes client connections first, so open SSE
// streams end and httptest's Close does not wait on them.
func startMCPServer(t *testing.T, cfg Config, wrap func(http.Handler) http.Handler) *testMCPServer {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	cfg.Addr = ts.Listener.Addr().String()
	if cfg.LogOutput == nil {
		cfg.LogOutput = io.Discard
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	capture := newMarkerCapture()
	srv.Logger().OnEvent(capture.add)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(h)
	}
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	return &testMCPServer{Server: ts, srv: srv, markers: capture}
}

// post sends a JSON-RPC body to path with the headers a Streamable HTTP
// client sends. sessionID and version may be empty.
func (s *testMCPServer) post(t *testing.T, path, sessionID, version string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
	}
	if version != "" {
		req.Header.Set("Mcp-Protocol-Version", version)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// listen opens the GET listen stream of a session.
func (s *testMCPServer) listen(t *testing.T, ctx context.Context, sessionID, version string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", sessionID)
	req.Header.Set("Mcp-Protocol-Version", version)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /mcp: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func initializeBody(version string) []byte {
	b, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "initialize",
		"params": map[string]any{
			"protocolVersion": version,
			"capabilities":    map[string]any{},
			"clientInfo":      map[string]any{"name": "mcpvcr-test", "version": "0"},
		},
	})
	return b
}

// initialize runs initialize + notifications/initialized over raw HTTP and
// returns the session id.
func (s *testMCPServer) initialize(t *testing.T, version string) string {
	t.Helper()
	resp := s.post(t, "/mcp", "", "", initializeBody(version))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("initialize: status %d: %s", resp.StatusCode, b)
	}
	io.Copy(io.Discard, resp.Body)
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("initialize: no Mcp-Session-Id")
	}
	ack := s.post(t, "/mcp", sid, version, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	if ack.StatusCode != http.StatusAccepted {
		t.Fatalf("notifications/initialized: status %d, want 202", ack.StatusCode)
	}
	return sid
}

// sseReader reads SSE blocks (events and comments) from a response body.
type sseReader struct {
	blocks chan sseBlock
	done   chan struct{} // closed at EOF or error
}

func readSSE(body io.Reader) *sseReader {
	r := &sseReader{blocks: make(chan sseBlock, 1024), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(body)
		var cur []string
		for sc.Scan() {
			line := sc.Text()
			if line != "" {
				cur = append(cur, line)
				continue
			}
			if len(cur) > 0 {
				for _, b := range splitSSE([]byte(strings.Join(cur, "\n") + "\n\n")) {
					r.blocks <- b
				}
				cur = nil
			}
		}
	}()
	return r
}

// next returns the next block, failing the test at EOF or the deadline.
func (r *sseReader) next(t *testing.T) sseBlock {
	t.Helper()
	select {
	case b := <-r.blocks:
		return b
	case <-r.done:
		select {
		case b := <-r.blocks:
			return b
		default:
		}
		t.Fatal("SSE stream ended")
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for an SSE block")
	}
	return sseBlock{}
}

// nextEvent skips comments.
func (r *sseReader) nextEvent(t *testing.T) sseBlock {
	t.Helper()
	for {
		if b := r.next(t); !b.comment {
			return b
		}
	}
}
