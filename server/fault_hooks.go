package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// faultHooks are the places where a fault acts. A fault's file passes the
// hooks it needs to registerFault; the endpoints run the hooks of the
// faults that are on, in name order, and never name a fault themselves:
//
//	client > observe > requireBearer > bindSession > inspect > go-sdk
//	           │                                       │          │
//	           │                                       │          └ streamable
//	           │                                       └ handler, refuse, wrap
//	           └ observedWriter: head, keepalive, sseStart, dropSSE
//
// Every hook is given the endpoints (e) or the response (ow, with ow.e), so
// it can read its fault's value: e.faults.Duration(FaultNAME).
type faultHooks struct {
	// handler takes r over before inspect reads it, in place of go-sdk's
	// handler, or returns nil to leave r alone (seed). The observer then
	// adds nothing to what the handler writes: no keepalive comments, no
	// X-Accel-Buffering, event markers without our event-id notes.
	handler func(e *mcpEndpoints, r *http.Request) http.HandlerFunc

	// refuse answers r instead of the handler and reports whether it did
	// (get-405, get-400).
	refuse func(e *mcpEndpoints, w http.ResponseWriter, r *http.Request) bool

	// wrap returns the handler that serves a request: next, or a handler
	// around it that may act before and after it and wrap its writer;
	// calls are the requests in a POST's body (die-after-headers).
	wrap func(e *mcpEndpoints, calls []wireMessage, next http.Handler) http.Handler

	// streamable edits the options of go-sdk's Streamable HTTP handlers,
	// the sessions one and the stateless one (json-only, no-event-ids).
	streamable func(e *mcpEndpoints, o *mcp.StreamableHTTPOptions)

	// head runs just before a response's headers go out, with the headers
	// as we would send them in ow.Header(), and returns the status to send
	// (slow-headers, session-400, no-accel-header). The caller holds ow.mu.
	head func(ow *observedWriter, code int) int

	// keepalive returns the interval of idle-stream comments, given the
	// configured one (scaled); 0 sends none (no-keepalive).
	keepalive func(e *mcpEndpoints, every time.Duration) time.Duration

	// sseStart runs when an SSE response starts, after its headers went
	// out; it may add a clock (ow.addClock) (idle-close). The caller
	// holds ow.mu.
	sseStart func(ow *observedWriter)

	// dropSSE reports whether a write of these SSE blocks is swallowed
	// instead of sent (no-keepalive: comments). The caller holds ow.mu.
	dropSSE func(ow *observedWriter, blocks []sseBlock) bool
}

// markFault logs FAULT ACTIVE for fault f acting on the request of ctx:
// "NAME: what it did".
func (e *mcpEndpoints) markFault(ctx context.Context, f Fault, format string, args ...any) {
	e.log.Mark(ctx, markers.FaultActive, "%s: %s", f, fmt.Sprintf(format, args...))
}

// refuseListen returns fault f's refuse hook: it answers the GET listen
// stream of /mcp with status and body, and logs FAULT ACTIVE with mark. A
// 405 names the methods this endpoint allows, as RFC 9110 requires.
func refuseListen(f Fault, status int, mark, body string) func(e *mcpEndpoints, w http.ResponseWriter, r *http.Request) bool {
	return func(e *mcpEndpoints, w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/mcp" {
			return false
		}
		e.markFault(r.Context(), f, "%s", mark)
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "POST, DELETE")
		}
		http.Error(w, body, status)
		return true
	}
}

// handler returns the handler of a fault that takes r over, or nil.
func (fs Faults) handler(e *mcpEndpoints, r *http.Request) http.HandlerFunc {
	for _, h := range fs.hooks {
		if h.handler != nil {
			if serve := h.handler(e, r); serve != nil {
				return serve
			}
		}
	}
	return nil
}

// refuse runs the refuse hooks until one answers r.
func (fs Faults) refuse(e *mcpEndpoints, w http.ResponseWriter, r *http.Request) bool {
	for _, h := range fs.hooks {
		if h.refuse != nil && h.refuse(e, w, r) {
			return true
		}
	}
	return false
}

// wrap returns next wrapped by every wrap hook, the first fault outermost.
func (fs Faults) wrap(e *mcpEndpoints, calls []wireMessage, next http.Handler) http.Handler {
	for i := len(fs.hooks) - 1; i >= 0; i-- {
		if wrap := fs.hooks[i].wrap; wrap != nil {
			next = wrap(e, calls, next)
		}
	}
	return next
}

// streamable applies the streamable hooks to o.
func (fs Faults) streamable(e *mcpEndpoints, o *mcp.StreamableHTTPOptions) *mcp.StreamableHTTPOptions {
	for _, h := range fs.hooks {
		if h.streamable != nil {
			h.streamable(e, o)
		}
	}
	return o
}

// head runs the head hooks and returns the status to send.
func (fs Faults) head(ow *observedWriter, code int) int {
	for _, h := range fs.hooks {
		if h.head != nil {
			code = h.head(ow, code)
		}
	}
	return code
}

// keepalive returns the comment interval the keepalive hooks leave.
func (fs Faults) keepalive(e *mcpEndpoints, every time.Duration) time.Duration {
	for _, h := range fs.hooks {
		if h.keepalive != nil {
			every = h.keepalive(e, every)
		}
	}
	return every
}

// sseStart runs the sseStart hooks.
func (fs Faults) sseStart(ow *observedWriter) {
	for _, h := range fs.hooks {
		if h.sseStart != nil {
			h.sseStart(ow)
		}
	}
}

// dropSSE reports whether a dropSSE hook swallows the write of blocks.
func (fs Faults) dropSSE(ow *observedWriter, blocks []sseBlock) bool {
	for _, h := range fs.hooks {
		if h.dropSSE != nil && h.dropSSE(ow, blocks) {
			return true
		}
	}
	return false
}
