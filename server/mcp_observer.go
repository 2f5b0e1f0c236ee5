package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP endpoints are a pipeline of handlers; the observer is outermost so
// the seed's order holds (CONNECTION START, then the OAuth markers, then
// REQUEST BODY):
//
//	client > observe > requireBearer > inspect > go-sdk (or a fault's handler)
//	           │            │             │
//	           │            │             └ REQUEST BODY, REQUEST PARSED, INITIALIZE DETECTED,
//	           │            │               PROCESSING REQUEST, refusals (413, 400 parse error), the faults' hooks
//	           │            └ OAUTH FLOW, OAUTH SUCCESS, AUTH SUCCESS
//	           └ MCP SSE CONNECTION START, Origin/Host check (403), and the
//	             observedWriter: SSE STREAM START, SSE EVENT n, KEEPALIVE SENT,
//	             SESSION CREATED/DELETED, REQUEST REFUSED, STREAM CLOSING,
//	             CLIENT DISCONNECTED, from what is really written and flushed.
//
// The observedWriter sees bytes, not intentions: go-sdk v1.8.0 writes one
// SSE event per Write followed by a Flush (TestGoSDKWritesOneEventPerWriteAndFlush
// keeps that true), so one Write is one event and an "SSE EVENT n" line
// means those bytes left the process.

// errResponseFinished is returned for writes after the handler returned.
var errResponseFinished = errors.New("mcpvcr: write after the response finished")

// streamCut is the cancel cause when a fault cuts a stream; it reads as
// the reason STREAM CLOSING gives ("idle for 1s (fault idle-close)").
type streamCut string

func (c streamCut) Error() string { return string(c) }

// cutReason returns why a fault cut the stream, or "".
func (ow *observedWriter) cutReason() string {
	var cut streamCut
	if errors.As(context.Cause(ow.ctx), &cut) {
		return string(cut)
	}
	return ""
}

type observedWriterKey struct{}

// observedWriterFrom returns the observer wrapping this request's response.
func observedWriterFrom(ctx context.Context) *observedWriter {
	ow, _ := ctx.Value(observedWriterKey{}).(*observedWriter)
	return ow
}

// observe is the outer wrapper of /mcp and /sse.
func (e *mcpEndpoints) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientCtx := r.Context()
		if sc := ScopeFrom(clientCtx); sc != nil {
			if sid := r.Header.Get("Mcp-Session-Id"); sid != "" {
				sc.SetSessionID(sid)
			} else if sid := r.URL.Query().Get("sessionid"); sid != "" {
				sc.SetSessionID(sid) // legacy HTTP+SSE names the session in the endpoint URL
			}
		}
		e.log.Mark(clientCtx, markers.MCPSSEConnectionStart, "Method: %s, Path: %s", r.Method, r.URL.Path)
		if e.authOff {
			e.log.Mark(clientCtx, markers.Warning, "AUTH OFF: %s %s served without a bearer check (--auth off is for the conformance suite only)", r.Method, r.URL.Path)
		}
		ctx, cancel := context.WithCancelCause(clientCtx)
		defer cancel(nil)
		ow := e.newObservedWriter(w, r, ctx, cancel)
		defer ow.finish(clientCtx)
		// go-sdk hands the request headers to method handlers (RequestExtra),
		// which is how commitEarlyMiddleware finds this writer again.
		key := newRequestID()
		r.Header.Set(observerHeader, key)
		e.observers.Store(key, ow)
		defer e.observers.Delete(key)
		if reason := e.checkOrigin(r); reason != "" {
			ow.refusePlain(http.StatusForbidden, reason)
			return
		}
		next.ServeHTTP(ow, r.WithContext(context.WithValue(ctx, observedWriterKey{}, ow)))
	})
}

// observerHeader carries the key of a request's observedWriter through
// go-sdk to its method handlers. Any client-sent value is overwritten.
const observerHeader = "Mcpvcr-Observer"

// commitEarlyMiddleware runs in go-sdk's session goroutine for each
// incoming call. go-sdk v1.8.0 sets a POST stream's SSE headers and then
// hands the messages over, but sends nothing until the first event: at
// protocol < 2025-11-25 (no priming event) a long tool call leaves the client
// without even headers, and clients give up (field failure 6). The handoff
// orders the header writes before this point, so the observer can commit
// the headers and an opening comment now, and keepalive can start.
func (e *mcpEndpoints) commitEarlyMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if extra := req.GetExtra(); extra != nil && extra.Header != nil {
			if v, ok := e.observers.Load(extra.Header.Get(observerHeader)); ok {
				ow := v.(*observedWriter)
				if ow.era == EraStateless {
					ow.commitAfterGrace()
				} else {
					ow.commitEarly()
				}
			}
		}
		return next(ctx, method, req)
	}
}

// openingComment is what commitEarly sends after the headers.
const openingComment = ": stream open\n\n"

var openingBlocks = splitSSE([]byte(openingComment))

// commitEarly sends the headers and an opening comment if go-sdk chose an
// SSE response but has written nothing yet. A fault that drops the comment
// leaves the headers to go-sdk too.
func (ow *observedWriter) commitEarly() {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.committed || ow.finished || ow.e.faults.dropSSE(ow, openingBlocks) {
		return
	}
	if !isEventStream(ow.w.Header()) {
		return
	}
	ow.commitLocked(http.StatusOK)
	if _, err := ow.w.Write([]byte(openingComment)); err != nil {
		return
	}
	ow.writes++
	ow.comments++
	if ow.rc.Flush() == nil {
		ow.flushes++
	}
	ow.e.log.Mark(ow.ctx, markers.KeepaliveSent, "Opening comment after headers %q", strings.TrimSpace(openingComment))
	ow.touch()
}

// observedWriter wraps the http.ResponseWriter of one MCP request. It is
// safe for concurrent use: go-sdk writes from its session goroutines while
// the keepalive clock writes comments; mu keeps each Write whole.
type observedWriter struct {
	e      *mcpEndpoints
	w      http.ResponseWriter
	rc     *http.ResponseController
	ctx    context.Context // logging context: request id and session id
	method string
	path   string
	start  time.Time
	cancel context.CancelCauseFunc

	// set by inspect before the handler runs
	initializeID string // raw JSON id of an initialize request in the body
	replaced     bool   // a fault's handler serves it and logs its own lifecycle (faultHooks.handler)
	era          ProtocolEra
	clientID     string // the bearer token's client, owner of a session this response creates (bindSession)

	// An SSE response's clocks (mcp_keepalive.go): keepalive, and any a
	// fault adds.
	clocks []streamClock

	mu            sync.Mutex
	committed     bool
	status        int
	sse           bool
	finished      bool
	events        int // SSE events written (not comments)
	comments      int // SSE comments written
	writes        int
	flushes       int
	errBody       bytes.Buffer
	sessionLogged bool
	closingLogged bool        // STREAM CLOSING already logged (by a fault's handler)
	graceTimer    *time.Timer // commitAfterGrace's pending commit
	lastWrite     time.Time   // when bytes last went out (or the request started)

	// 2026-07-28 requests (mcp_era_markers.go)
	pending         map[string]pendingCall // raw JSON id -> call not yet answered
	listenID        string                 // raw JSON id of a subscriptions/listen call
	listenOpened    time.Time              // when its acknowledgement went out
	listenDelivered int                    // notifications after the acknowledgement
	lostClient      string                 // the token's client, for REQUEST REISSUED
	mcpHeaders      string                 // the routing headers as they arrived
}

func (e *mcpEndpoints) newObservedWriter(w http.ResponseWriter, r *http.Request, ctx context.Context, cancel context.CancelCauseFunc) *observedWriter {
	return &observedWriter{
		e:         e,
		w:         w,
		rc:        http.NewResponseController(w),
		ctx:       ctx,
		method:    r.Method,
		path:      r.URL.Path,
		start:     time.Now(),
		lastWrite: time.Now(),
		cancel:    cancel,
	}
}

func (ow *observedWriter) Header() http.Header { return ow.w.Header() }

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (ow *observedWriter) Unwrap() http.ResponseWriter { return ow.w }

func (ow *observedWriter) WriteHeader(code int) {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	ow.commitLocked(code)
}

// commitLocked sends the headers once, after the faults' head hooks, and
// starts the clocks on an SSE stream.
func (ow *observedWriter) commitLocked(code int) {
	if ow.committed {
		return
	}
	e := ow.e
	h := ow.w.Header()
	if code == http.StatusOK && isEventStream(h) && !ow.replaced {
		// nginx buffers responses unless told not to (field failure 4).
		h.Set("X-Accel-Buffering", "no")
	}
	code = e.faults.head(ow, code)
	ow.committed = true
	ow.status = code
	if sid := h.Get("Mcp-Session-Id"); sid != "" {
		if sc := ScopeFrom(ow.ctx); sc != nil {
			sc.SetSessionID(sid)
		}
		e.owners.bind(sid, ow.clientID) // before the client can learn sid
	}
	ow.sse = code == http.StatusOK && isEventStream(h)
	ow.w.WriteHeader(code)
	if code == http.StatusNoContent && ow.method == http.MethodDelete {
		e.log.Mark(ow.ctx, markers.SessionDeleted, "Session ended by client DELETE")
		if sc := ScopeFrom(ow.ctx); sc != nil {
			e.owners.forget(sc.SessionID())
		}
	}
	if ow.sse {
		e.log.Mark(ow.ctx, markers.SSEStreamStart, "Beginning event generation")
		ow.addClock(e.keepaliveInterval(ow.replaced), ow.keepaliveDue)
		e.faults.sseStart(ow)
	}
}

func (ow *observedWriter) Write(p []byte) (int, error) {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.finished {
		return 0, errResponseFinished
	}
	ow.commitLocked(http.StatusOK)
	if ow.status >= 400 && ow.errBody.Len() < 512 {
		ow.errBody.Write(p[:min(len(p), 512-ow.errBody.Len())])
	}
	if !ow.sse {
		ow.writes++
		return ow.w.Write(p)
	}
	blocks := splitSSE(p)
	if ow.e.faults.dropSSE(ow, blocks) {
		return len(p), nil // a fault swallowed it
	}
	n, err := ow.w.Write(p)
	ow.writes++
	if err != nil {
		return n, err
	}
	for _, b := range blocks {
		if b.comment {
			ow.comments++
			what := "Idle stream comment"
			if ow.events == 0 && ow.comments == 1 {
				what = "Opening comment after headers"
			}
			ow.e.log.Mark(ow.ctx, markers.KeepaliveSent, "%s %q", what, strings.TrimSpace(b.raw))
			continue
		}
		if b.name == "endpoint" {
			ow.learnLegacySession(b.data)
		}
		if ow.era == EraStateless {
			ow.observeStatelessEvent(b)
		}
		idx := ow.events
		ow.events++
		ow.e.log.Mark(ow.ctx, markers.SSEEvent.Nth(fmt.Sprint(idx)), "%s", b.describe(!ow.replaced))
		if ow.initializeID != "" && !ow.sessionLogged && b.respondsTo(ow.initializeID) {
			ow.logSessionCreatedLocked()
		}
	}
	ow.touch()
	return n, nil
}

// learnLegacySession tags the rest of a legacy /sse stream's markers with
// the session id its endpoint event names ("/sse?sessionid=ID").
func (ow *observedWriter) learnLegacySession(endpoint string) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return
	}
	if sid := u.Query().Get("sessionid"); sid != "" {
		if sc := ScopeFrom(ow.ctx); sc != nil {
			sc.SetSessionID(sid)
		}
		ow.e.owners.bind(sid, ow.clientID) // go-sdk's SSE handler checks no owner
	}
}

// touch notes that the stream just carried bytes: both clocks restart.
// The caller holds ow.mu.
func (ow *observedWriter) touch() {
	ow.lastWrite = time.Now()
	ow.restartClocks()
}

// FlushError flushes the response; http.ResponseController finds it.
func (ow *observedWriter) FlushError() error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.finished {
		return errResponseFinished
	}
	ow.commitLocked(http.StatusOK)
	ow.flushes++
	return ow.rc.Flush()
}

// Flush implements http.Flusher for callers that type-assert.
func (ow *observedWriter) Flush() { _ = ow.FlushError() }

// writeComment sends an SSE comment when the keepalive clock is due.
func (ow *observedWriter) writeComment(text string) error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.finished {
		return errResponseFinished
	}
	if _, err := ow.w.Write([]byte(": " + text + "\n\n")); err != nil {
		return err
	}
	ow.comments++
	ow.writes++
	ow.lastWrite = time.Now()
	if err := ow.rc.Flush(); err != nil {
		return err
	}
	ow.flushes++
	ow.e.log.Mark(ow.ctx, markers.KeepaliveSent, "Idle stream comment %q after %s idle (comment %d)", ": "+text, ow.e.keepaliveInterval(false), ow.comments)
	// The clocks restart once the comment is out and logged, so two
	// comments (and their markers) are never closer than the interval.
	ow.restartClocks()
	return nil
}

func (ow *observedWriter) logSessionCreatedLocked() {
	sid := ow.w.Header().Get("Mcp-Session-Id")
	if sid == "" {
		return
	}
	ow.sessionLogged = true
	ow.e.log.Mark(ow.ctx, markers.SessionCreated, "New session ID: %s", sid)
}

// refusePlain answers with a plain-text error; finish logs REQUEST REFUSED.
func (ow *observedWriter) refusePlain(code int, reason string) {
	http.Error(ow, reason, code)
}

// markClosing records that the handler itself logged STREAM CLOSING.
func (ow *observedWriter) markClosing() {
	ow.mu.Lock()
	ow.closingLogged = true
	ow.mu.Unlock()
}

// finish runs after the handler returned: it stops the keepalive clocks and
// logs how the exchange ended.
func (ow *observedWriter) finish(clientCtx context.Context) {
	ow.mu.Lock()
	ow.finished = true
	if ow.graceTimer != nil {
		ow.graceTimer.Stop()
	}
	ow.stopClocks()
	defer ow.mu.Unlock()
	e := ow.e
	elapsed := time.Since(ow.start).Round(time.Millisecond)
	status := ow.status
	if !ow.committed {
		status = http.StatusOK // net/http sends 200 for a handler that wrote nothing
	}
	if status >= 400 {
		reason := strings.TrimSpace(ow.errBody.String())
		if reason == "" {
			reason = http.StatusText(status)
		}
		e.log.Mark(ow.ctx, markers.RequestRefused, "Status %d: %s", status, reason)
	}
	if ow.initializeID != "" && !ow.sessionLogged && status < 300 {
		ow.logSessionCreatedLocked()
	}
	clientGone := clientCtx.Err() != nil
	if clientGone {
		e.log.Mark(ow.ctx, markers.ClientDisconnected, "Client closed the connection after %s (%d events sent)", elapsed, ow.events)
	}
	if ow.era == EraStateless && ow.method == http.MethodPost {
		ow.finishStateless(status, clientGone, elapsed)
	}
	if ow.path == "/sse" && ow.method == http.MethodGet {
		if sc := ScopeFrom(ow.ctx); sc != nil {
			e.owners.forget(sc.SessionID()) // a legacy session ends with its stream
		}
	}
	if !ow.sse || ow.closingLogged {
		return
	}
	reason, by := ow.cutReason(), "server"
	switch {
	case reason != "":
	case clientGone:
		reason, by = "client disconnected", "client"
	case ow.method == http.MethodPost && ow.path == "/mcp":
		reason = "all responses sent"
	default:
		reason = "session closed"
	}
	e.log.Mark(ow.ctx, markers.StreamClosing, "Reason: %s; closed by %s after %s; %d events, %d comments", reason, by, elapsed, ow.events, ow.comments)
}

// sseBlock is one SSE event or comment as written.
type sseBlock struct {
	raw     string
	comment bool
	name    string
	id      string
	retry   string
	data    string
}

// splitSSE splits written bytes into SSE blocks. go-sdk writes one block per
// Write; a Write with several is still described block by block.
func splitSSE(p []byte) []sseBlock {
	var out []sseBlock
	for _, raw := range strings.Split(string(p), "\n\n") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		b := sseBlock{raw: raw, comment: true}
		var data []string
		for _, line := range strings.Split(raw, "\n") {
			if strings.HasPrefix(line, ":") {
				continue
			}
			b.comment = false
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				b.name = value
			case "id":
				b.id = value
			case "retry":
				b.retry = value
			case "data":
				data = append(data, value)
			}
		}
		b.data = strings.Join(data, "\n")
		out = append(out, b)
	}
	return out
}

// isEventStream reports whether headers h announce an SSE response.
func isEventStream(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "text/event-stream")
}

// allComments reports whether bs are SSE comments only.
func allComments(bs []sseBlock) bool {
	if len(bs) == 0 {
		return false
	}
	for _, b := range bs {
		if !b.comment {
			return false
		}
	}
	return true
}

// wireMessage is the part of a JSON-RPC message the markers name.
type wireMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func (m wireMessage) idText() string {
	if len(m.ID) == 0 {
		return "none"
	}
	return strings.Trim(string(m.ID), `"`)
}

// describe says what an SSE event carried, in the seed's words where the
// seed had them ("Sent priming event", "Sending response for request_id=1").
func (b sseBlock) describe(withID bool) string {
	var d string
	switch {
	case b.name == "prime" || (b.data == "" && b.id != "" && b.name == ""):
		d = "Sent priming event"
	case b.name == "endpoint":
		d = "Sent endpoint event"
	case b.name == "close":
		d = fmt.Sprintf("Sent close event (client may reconnect after %sms)", b.retry)
	default:
		var m wireMessage
		if err := json.Unmarshal([]byte(b.data), &m); err != nil {
			d = fmt.Sprintf("Sent %d bytes of data", len(b.data))
			break
		}
		switch {
		case m.Method == "" && len(m.ID) > 0:
			d = "Sending response for request_id=" + m.idText()
			if len(m.Error) > 0 {
				d += " (error)"
			}
		case len(m.ID) > 0:
			d = fmt.Sprintf("Sent request method=%s, id=%s", m.Method, m.idText())
		default:
			d = "Sent notification method=" + m.Method
		}
	}
	if withID && b.id != "" {
		d += " [event id " + b.id + "]"
	}
	return d
}

// respondsTo reports whether the event is the response to request id rawID.
func (b sseBlock) respondsTo(rawID string) bool {
	var m wireMessage
	if json.Unmarshal([]byte(b.data), &m) != nil {
		return false
	}
	return m.Method == "" && string(m.ID) == rawID
}
