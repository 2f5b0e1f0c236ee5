package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// EchoHandler is the floor of the comparison: the least an HTTP server can
// do to answer MCP over JSON (initialize, a 202 for notifications, a fixed
// tools/call result), with no SDK and no auth.
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(body, &msg) != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		result := `{"content":[{"type":"text","text":"ok"}]}`
		if msg.Method == "initialize" {
			w.Header().Set("Mcp-Session-Id", strconv.FormatInt(time.Now().UnixNano(), 36))
			result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"echo","version":"1"}}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, msg.ID, result)
	})
}

// TickerHandler serves GET /events?every=10ms&for=3s: an SSE stream with
// one event per interval whose data is the send time in Unix nanoseconds,
// so a reader on the same machine can tell each event's delivery delay.
func TickerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		every, err1 := time.ParseDuration(r.URL.Query().Get("every"))
		total, err2 := time.ParseDuration(r.URL.Query().Get("for"))
		if err1 != nil || err2 != nil || every <= 0 {
			http.Error(w, "want ?every=DUR&for=DUR", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		f := w.(http.Flusher)
		io.WriteString(w, ": open\n\n")
		f.Flush()
		tick := time.NewTicker(every)
		defer tick.Stop()
		end := time.After(total)
		for {
			select {
			case <-r.Context().Done():
				return
			case <-end:
				return
			case <-tick.C:
				fmt.Fprintf(w, "data: %d\n\n", time.Now().UnixNano())
				f.Flush()
			}
		}
	})
}
