package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardFlusher is a ResponseWriter that keeps nothing.
type discardFlusher struct{ h http.Header }

func (d *discardFlusher) Header() http.Header         { return d.h }
func (d *discardFlusher) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardFlusher) WriteHeader(int)             {}
func (d *discardFlusher) Flush()                      {}

var benchEvent = []byte("event: message\nid: S_1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n")

// BenchmarkSSEEventObserved is the cost the observer adds to one SSE event
// (Write + Flush, parse, one text marker line); compare with
// BenchmarkSSEEventRaw.
func BenchmarkSSEEventObserved(b *testing.B) {
	e := &mcpEndpoints{cfg: Config{Keepalive: KeepaliveOff}, log: NewLogger(io.Discard, LogText)}
	w := &discardFlusher{h: http.Header{"Content-Type": {"text/event-stream"}}}
	r := httptest.NewRequest(http.MethodGet, "/mcp", nil)
	ctx, _ := WithScope(context.Background(), "bench")
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ow := e.newObservedWriter(w, r, ctx, cancel)
	ow.WriteHeader(http.StatusOK)
	defer ow.finish(context.Background())
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		ow.Write(benchEvent)
		ow.Flush()
	}
}

func BenchmarkSSEEventRaw(b *testing.B) {
	w := &discardFlusher{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		w.Write(benchEvent)
		http.NewResponseController(w).Flush()
	}
}
