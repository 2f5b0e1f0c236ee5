package server

import (
	"bytes"
	"errors"
	"net/http"
	"sync"

	"github.com/mcpvcr/mcpvcr/markers"
)

// FaultDieAfterHeaders drops the connection of a POST carrying a tools/call
// just before the call's answer is written: the client has the 200 headers
// and whatever came before (the priming event, progress), then the
// connection ends, as when the server process dies mid-call (field failure
// 33). The answer still goes to the event store, so a client with an SSE id
// can resume it.
const FaultDieAfterHeaders Fault = "die-after-headers"

func init() {
	registerFault(FaultDieAfterHeaders, "die-after-headers: drop a tools/call's connection just before its answer is written", faultHooks{wrap: dieAfterHeaders})
}

var errDiedAfterHeaders = errors.New("connection dropped (fault die-after-headers)")

// dieAfterHeaders wraps w for a POST whose requests include a tools/call.
func dieAfterHeaders(e *mcpEndpoints, w http.ResponseWriter, r *http.Request, calls []wireMessage) http.ResponseWriter {
	for _, m := range calls {
		if m.Method == "tools/call" {
			return &dyingWriter{ResponseWriter: w, e: e, r: r}
		}
	}
	return w
}

// dyingWriter passes writes through until one carries a JSON-RPC answer;
// then it sends what was written before (headers included) and closes the
// connection under the handler.
type dyingWriter struct {
	http.ResponseWriter
	e    *mcpEndpoints
	r    *http.Request
	mu   sync.Mutex
	dead bool
}

func (d *dyingWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (d *dyingWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead {
		return 0, errDiedAfterHeaders
	}
	if bytes.Contains(p, []byte(`"result"`)) || bytes.Contains(p, []byte(`"error"`)) {
		d.dead = true
		d.e.log.Mark(d.r.Context(), markers.FaultActive, "die-after-headers: dropping the connection before the answer")
		// Hijack sends the headers and the bytes written so far first.
		if conn, _, err := http.NewResponseController(d.ResponseWriter).Hijack(); err == nil {
			_ = conn.Close()
		}
		return 0, errDiedAfterHeaders
	}
	return d.ResponseWriter.Write(p)
}

func (d *dyingWriter) FlushError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead {
		return errDiedAfterHeaders
	}
	return http.NewResponseController(d.ResponseWriter).Flush()
}

func (d *dyingWriter) Flush() { _ = d.FlushError() }
