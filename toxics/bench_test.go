package toxics

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// sseResponse is a chunked SSE response of n events, as net/http frames a
// go-sdk stream (one chunk per flushed event).
func sseResponse(n int) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
	for i := 0; i < n; i++ {
		ev := fmt.Sprintf("event: message\nid: %d\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":%d}}\n\n", i, i)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(ev), ev)
	}
	b.WriteString("0\r\n\r\n")
	return []byte(b.String())
}

// BenchmarkParseSSEStream: the parser and the SSE scanner over a response
// cut into 32 KiB chunks (toxiproxy's read size), as close_after_events
// sees it.
func BenchmarkParseSSEStream(b *testing.B) {
	wire := sseResponse(10000)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := newResponseParser(func() (string, string) { return "GET", "/mcp" })
		var sc sseScanner
		events := 0
		for off := 0; off < len(wire); off += 32 << 10 {
			p.feed(wire[off:min(off+32<<10, len(wire))], func(pc piece) {
				if pc.kind == pieceData {
					sc.feed(pc.raw, func(int) { events++ })
				}
			})
		}
		if events != 10000 {
			b.Fatalf("events = %d", events)
		}
	}
}

// BenchmarkParsePipelinedRequests: small POSTs pipelined on one connection,
// as request_log and body_drop see them.
func BenchmarkParsePipelinedRequests(b *testing.B) {
	var sb strings.Builder
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nMcp-Session-Id: abc\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	wire := []byte(sb.String())
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := newRequestParser()
		heads := 0
		for off := 0; off < len(wire); off += 32 << 10 {
			p.feed(wire[off:min(off+32<<10, len(wire))], func(pc piece) {
				if pc.kind == pieceHead {
					heads++
				}
			})
		}
		if heads != 1000 {
			b.Fatalf("heads = %d", heads)
		}
	}
}

// BenchmarkTunnelDownload: a 4 MiB response through a live proxy, clean
// versus every HTTP-aware response toxic in pass-through (nothing targeted
// except header_hold's one head).
func BenchmarkTunnelDownload(b *testing.B) {
	payload := strings.Repeat("x", 4<<20)
	for _, bc := range []struct {
		name   string
		toxics []string
	}{
		{"clean", nil},
		{"http-aware", []string{"sse_buffer:methods=GET,content_type=text/event-stream", "header_hold",
			"idle_cut:timeout=100s", "close_after_events:events=2", "status_rewrite"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			up := startUpstream(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, payload)
			}))
			var extra []Spec
			for _, s := range bc.toxics {
				spec, _ := ParseSpec(s)
				extra = append(extra, spec)
			}
			tun, err := OpenTunnel(TunnelOptions{Upstream: up, Extra: extra})
			if err != nil {
				b.Fatal(err)
			}
			defer tun.Close()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := c.Get("http://" + tun.Addr + "/")
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(len(payload)) {
					b.Fatalf("got %d bytes", n)
				}
			}
		})
	}
}

// benchEvent is one small MCP notification as the go-sdk frames it.
const benchEvent = "event: message\nid: s1_0\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n"

// sseHandler streams n small events, each flushed, the next only once
// the client has read the last (next), so that every event is its own
// chunk all the way, as notifications 10 ms apart are.
func sseHandler(n int, next <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Accel-Buffering", "no")
		f := w.(http.Flusher)
		for range n {
			io.WriteString(w, benchEvent)
			f.Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// readLockstep reads n events from body in lockstep with sseHandler.
func readLockstep(b *testing.B, body io.Reader, n int, next chan<- struct{}) {
	buf := make([]byte, len(benchEvent))
	for range n {
		if _, err := io.ReadFull(body, buf); err != nil {
			b.Fatal(err)
		}
		next <- struct{}{}
	}
}

// BenchmarkTunnelSSE: one GET stream of b.N small flushed events, direct
// and through a live tunnel, clean versus HTTP-aware profiles in
// pass-through. Run it under callgrind at two b.N and subtract for
// instructions per event.
func BenchmarkTunnelSSE(b *testing.B) {
	for _, p := range []Profile{"direct", Clean, CloudflareNamedTunnel, NginxDefault} {
		b.Run(string(p), func(b *testing.B) {
			next := make(chan struct{})
			addr := startUpstream(b, sseHandler(b.N, next))
			if p != "direct" {
				tun, err := OpenTunnel(TunnelOptions{Upstream: addr, Profile: p})
				if err != nil {
					b.Fatal(err)
				}
				defer tun.Close()
				addr = tun.Addr
			}
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			b.ReportAllocs()
			b.SetBytes(int64(len(benchEvent)))
			b.ResetTimer()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/mcp")
			if err != nil {
				b.Fatal(err)
			}
			readLockstep(b, resp.Body, b.N, next)
			resp.Body.Close()
		})
	}
}
