package server

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"sync"
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

// dieAfterHeaders serves a POST whose requests include a tools/call through
// a dyingWriter, and drops the connection once go-sdk's handler has
// returned (for one call, right after its answer). Dropping it at the
// answer itself left go-sdk holding the dead stream for a moment, and a
// client that resumed at once got 409 "stream ID conflicts with ongoing
// stream": a dead process holds no stream.
func dieAfterHeaders(e *mcpEndpoints, calls []wireMessage, next http.Handler) http.Handler {
	if !slices.ContainsFunc(calls, func(m wireMessage) bool { return m.Method == "tools/call" }) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := &dyingWriter{ResponseWriter: w, e: e, r: r}
		next.ServeHTTP(d, r)
		if d.isDead() {
			// Hijack sends the headers and the bytes written so far first.
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	})
}

// dyingWriter passes writes through until one carries a JSON-RPC answer;
// from then on it writes nothing, and the observer's clocks are stopped.
type dyingWriter struct {
	http.ResponseWriter
	e    *mcpEndpoints
	r    *http.Request
	mu   sync.Mutex
	dead bool
}

func (d *dyingWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (d *dyingWriter) isDead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dead
}

func (d *dyingWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead {
		return 0, errDiedAfterHeaders
	}
	if bytes.Contains(p, []byte(`"result"`)) || bytes.Contains(p, []byte(`"error"`)) {
		d.dead = true
		d.e.markFault(d.r.Context(), FaultDieAfterHeaders, "dropping the connection before the answer")
		if ow := observedWriterFrom(d.r.Context()); ow != nil {
			ow.silence() // no keepalive comment from a dead server
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
