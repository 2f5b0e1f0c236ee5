package realproxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// deadline bounds every wait: generous, because the machine is shared; a
// probe fails on what the client saw, never on speed.
const deadline = 15 * time.Second

// origin is the server behind the proxy: a real net/http server whose
// handlers the probes coordinate with through channels, never sleeps.
type origin struct {
	addr string
	// ack is sent by the client when it saw what the handler waits for.
	ack chan struct{}
	// lastWrite is when the handler last flushed bytes.
	lastWrite atomic.Int64
	// written counts the body bytes the handler flushed so far.
	written atomic.Int64
	// gone is closed when the handler saw the request end.
	gone chan struct{}
	mu   sync.Mutex
	seen *http.Request // the last request /echo received
	body string
}

func startOrigin(t *testing.T) *origin {
	t.Helper()
	o := &origin{ack: make(chan struct{}, 1), gone: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("/sse", o.sse)
	mux.HandleFunc("/fill", o.fill)
	mux.HandleFunc("/quiet-after", o.quietAfter)
	mux.HandleFunc("/quiet-before", o.quietBefore)
	mux.HandleFunc("/echo", o.echo)
	mux.HandleFunc("/late-body", o.lateBody)
	mux.HandleFunc("/accepted", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	o.addr = strings.TrimPrefix(srv.URL, "http://")
	return o
}

// waitAck waits up to limit for the client's ack.
func (o *origin) waitAck(r *http.Request, limit time.Duration) bool {
	select {
	case <-o.ack:
		return true
	case <-r.Context().Done():
	case <-time.After(limit):
	}
	return false
}

// flush writes s at once. The counters move first: a client may read the
// bytes before this returns.
func (o *origin) flush(w http.ResponseWriter, s string) {
	o.written.Add(int64(len(s)))
	o.lastWrite.Store(time.Now().UnixNano())
	io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

func sseHead(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("accel"); v != "" {
		w.Header().Set("X-Accel-Buffering", v)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// event returns an SSE event of exactly size bytes.
func event(id, size int) string {
	head := fmt.Sprintf("id: %d\ndata: ", id)
	return head + strings.Repeat("x", size-len(head)-2) + "\n\n"
}

// sse writes event 1, waits for the client to see it (a flowing stream)
// or for the hold window (a held one), then writes event 2 and ends.
func (o *origin) sse(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	sseHead(w, r)
	o.flush(w, event(1, 100))
	o.waitAck(r, holdWindow)
	o.flush(w, event(2, 100))
}

// fillEvent is the size of each /fill event.
const fillEvent = 128

// fill writes events until the client acked two releases (or 80 events):
// after each event it gives the client fillPace to ack.
func (o *origin) fill(w http.ResponseWriter, r *http.Request) {
	sseHead(w, r)
	for i, acks := 1, 0; i <= 80 && acks < 2; i++ {
		o.flush(w, event(i, fillEvent))
		if o.waitAck(r, fillPace) {
			acks++
		}
	}
}

// quietAfter sends its head and one event, then nothing until the client
// or the proxy gives up.
func (o *origin) quietAfter(w http.ResponseWriter, r *http.Request) {
	sseHead(w, r)
	o.flush(w, event(1, 100))
	o.waitGone(r)
}

// quietBefore reads the request and never answers.
func (o *origin) quietBefore(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	o.lastWrite.Store(time.Now().UnixNano())
	o.waitGone(r)
}

func (o *origin) waitGone(r *http.Request) {
	select {
	case <-r.Context().Done():
		o.gone <- struct{}{}
	case <-time.After(deadline):
	}
}

// echo records the request's framing and body.
func (o *origin) echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	o.mu.Lock()
	o.seen, o.body = r, string(b)
	if err != nil {
		o.body = "read error: " + err.Error()
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"bytes":%d}`, len(b))
}

// lateBody flushes its head, waits for the client to see it, then sends
// one event.
func (o *origin) lateBody(w http.ResponseWriter, r *http.Request) {
	sseHead(w, r)
	o.waitAck(r, holdWindow)
	o.flush(w, event(1, 100))
}
