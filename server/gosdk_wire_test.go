package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// wireOp is one call go-sdk made on a ResponseWriter: a Write or a Flush.
type wireOp struct {
	flush bool
	data  string
}

// opRecorder records the Write/Flush sequence of one response.
type opRecorder struct {
	http.ResponseWriter
	mu  sync.Mutex
	ops []wireOp
}

func (r *opRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.ops = append(r.ops, wireOp{data: string(p)})
	r.mu.Unlock()
	return r.ResponseWriter.Write(p)
}

func (r *opRecorder) Flush() {
	r.mu.Lock()
	r.ops = append(r.ops, wireOp{flush: true})
	r.mu.Unlock()
	r.ResponseWriter.(http.Flusher).Flush()
}

// TestGoSDKWritesOneEventPerWriteAndFlush pins what the observer relies on:
// go-sdk (v1.8.0) writes each SSE event, and the comment after the headers,
// with exactly one Write followed by one Flush. If a new go-sdk coalesces or
// splits events, "SSE EVENT n" markers would stop matching the wire, and
// this test says so. It drives go-sdk's handler directly, without mcpvcr's
// observer: priming events (2025-11-25), responses, progress notifications
// on a POST stream, and log notifications on the listen stream.
func TestGoSDKWritesOneEventPerWriteAndFlush(t *testing.T) {
	state := NewMemorySessionState()
	server, err := newMCPServer(Config{}, state)
	if err != nil {
		t.Fatal(err)
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{EventStore: state.EventStore()})
	var mu sync.Mutex
	var recs []*opRecorder
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &opRecorder{ResponseWriter: w}
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
		h.ServeHTTP(rec, r)
	}))
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	s := &testMCPServer{Server: ts}

	const version = "2025-11-25"
	sid := s.initialize(t, version)
	resp := s.listen(t, t.Context(), sid, version)
	listen := readSSE(resp.Body)
	if b := listen.next(t); !b.comment {
		t.Fatalf("listen stream opened with %+v, want a comment", b)
	}
	call := func(id int, method, params string) {
		t.Helper()
		r := s.post(t, "/mcp", sid, version, fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", method, r.StatusCode)
		}
		io.Copy(io.Discard, r.Body)
	}
	call(2, "logging/setLevel", `{"level":"info"}`)
	call(3, "tools/call", `{"name":"slow","arguments":{"duration":"10ms","steps":3},"_meta":{"progressToken":"p1"}}`)
	call(4, "tools/call", `{"name":"notify","arguments":{"count":2}}`)
	for i := 0; i < 2; i++ {
		if b := listen.nextEvent(t); !strings.Contains(b.data, "notifications/message") {
			t.Fatalf("listen stream event %d = %+v, want notifications/message", i, b)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	sseResponses, events := 0, 0
	for i, rec := range recs {
		rec.mu.Lock()
		ops := append([]wireOp(nil), rec.ops...)
		rec.mu.Unlock()
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
			continue
		}
		sseResponses++
		for j, op := range ops {
			if op.flush {
				if j == 0 || ops[j-1].flush {
					t.Errorf("response %d op %d: Flush without a Write before it", i, j)
				}
				continue
			}
			if blocks := splitSSE([]byte(op.data)); len(blocks) != 1 || !strings.HasSuffix(op.data, "\n\n") {
				t.Errorf("response %d op %d: Write of %q holds %d SSE blocks, want exactly one whole block", i, j, op.data, len(blocks))
			}
			if j+1 >= len(ops) || !ops[j+1].flush {
				t.Errorf("response %d op %d: Write of %q not followed by a Flush", i, j, op.data)
			}
			events++
		}
	}
	// initialize (prime + result), setLevel (prime + result),
	// slow (prime + 3 progress + result), notify (prime + result), listen.
	if sseResponses < 5 || events < 14 {
		t.Errorf("saw %d SSE responses with %d writes, want >= 5 and >= 14: the test did not exercise go-sdk", sseResponses, events)
	}
}
