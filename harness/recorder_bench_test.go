package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchEvent is one small MCP notification as the go-sdk frames it.
const benchEvent = "event: message\nid: s1_0\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n"

// BenchmarkRecorderSSE: one GET stream of b.N small flushed events
// through the recorder (direct is the same without it). Run it under
// callgrind at two b.N and subtract for instructions per event.
func BenchmarkRecorderSSE(b *testing.B) {
	for _, via := range []string{"direct", "recorder"} {
		b.Run(via, func(b *testing.B) {
			// Each event only once the client read the last: one chunk
			// per event all the way, as notifications 10 ms apart are.
			next := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				f := w.(http.Flusher)
				for range b.N {
					io.WriteString(w, benchEvent)
					f.Flush()
					select {
					case <-next:
					case <-r.Context().Done():
						return
					}
				}
			}))
			defer up.Close()
			url := up.URL
			if via == "recorder" {
				rec, err := NewRecorder(up.URL, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer rec.Close()
				front := httptest.NewServer(rec)
				defer front.Close()
				url = front.URL
			}
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			b.ReportAllocs()
			b.SetBytes(int64(len(benchEvent)))
			b.ResetTimer()
			resp, err := (&http.Client{Transport: tr}).Get(url + "/mcp")
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, len(benchEvent))
			for range b.N {
				if _, err := io.ReadFull(resp.Body, buf); err != nil {
					b.Fatal(err)
				}
				next <- struct{}{}
			}
			resp.Body.Close()
		})
	}
}
