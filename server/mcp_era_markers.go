package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// The 2026-07-28 lifecycle has no session to hang a story on, so the
// observer tells it from each request's own bytes (mcp_observer.go), as it
// does the seed's markers:
//
//	POST server/discover      > response written         > SERVER DISCOVER
//	POST subscriptions/listen > acknowledged notification > LISTEN SUBSCRIPTION OPENED
//	                          > stream ends               > LISTEN SUBSCRIPTION CLOSED (why, after how long)
//	POST with headers that do not match the body > 400 -32020 > HEADER MISMATCH (which header, what arrived)
//	POST tools/call, stream ends before its response   > REQUEST LOST (nothing resumes in 2026-07-28)
//	POST the same call again, new id                   > REQUEST REISSUED (which lost request it repeats)

// JSON-RPC methods and codes of 2026-07-28 the markers name.
const (
	methodDiscover          = "server/discover"
	methodListen            = "subscriptions/listen"
	notificationListenAcked = "notifications/subscriptions/acknowledged"
	codeHeaderMismatch      = -32020
)

// pendingCall is a call of a 2026-07-28 request body still waiting for
// its response on this HTTP response.
type pendingCall struct {
	msg         wireMessage
	fingerprint string
}

// trackStatelessCalls records the calls a 2026-07-28 POST carries so the
// observer can tell which were answered, and logs REQUEST REISSUED for a
// call that repeats one a broken stream lost.
func (ow *observedWriter) trackStatelessCalls(r *http.Request, calls []wireMessage) {
	client := tokenClientID(r)
	ow.mu.Lock()
	defer ow.mu.Unlock()
	ow.lostClient = client
	for _, m := range calls {
		fp := callFingerprint(m)
		if ow.pending == nil {
			ow.pending = map[string]pendingCall{}
		}
		ow.pending[string(m.ID)] = pendingCall{msg: m, fingerprint: fp}
		if m.Method == methodListen {
			ow.listenID = string(m.ID)
		}
		if lost, ok := ow.e.lost.take(client, fp); ok {
			ow.e.log.Mark(ow.ctx, markers.RequestReissued, "method=%s, id=%s re-issues id=%s, lost %s ago when its stream ended before the response",
				logValue(m.Method), logValue(m.idText()), logValue(lost.id), time.Since(lost.at).Round(time.Millisecond))
		}
	}
}

// observeStatelessEvent runs for each SSE event of a 2026-07-28 response
// (ow.mu held): it logs SERVER DISCOVER and LISTEN SUBSCRIPTION OPENED and
// crosses answered calls off.
func (ow *observedWriter) observeStatelessEvent(b sseBlock) {
	var m struct {
		wireMessage
		Result struct {
			SupportedVersions []string `json:"supportedVersions"`
		} `json:"result"`
	}
	if json.Unmarshal([]byte(b.data), &m) != nil {
		return
	}
	if m.Method == notificationListenAcked && ow.listenID != "" {
		ow.listenOpened = time.Now()
		ow.e.log.Mark(ow.ctx, markers.ListenSubscriptionOpened, "id=%s, notifications: %s", logValue(strings.Trim(ow.listenID, `"`)), ackedNotifications(m.Params))
		return
	}
	if m.Method != "" || len(m.ID) == 0 {
		if m.Method != "" && ow.listenID != "" {
			ow.listenDelivered++
		}
		return
	}
	call, ok := ow.pending[string(m.ID)]
	if !ok || ow.ctx.Err() != nil {
		return // a response written after the stream broke never arrives
	}
	delete(ow.pending, string(m.ID))
	if call.msg.Method == methodDiscover && len(m.Error) == 0 {
		ow.e.log.Mark(ow.ctx, markers.ServerDiscover, "Answered server/discover (id=%s) from client %s: supportedVersions %v",
			logValue(call.msg.idText()), call.msg.metaClientInfo(), m.Result.SupportedVersions)
	}
}

// finishStateless runs when a 2026-07-28 response has ended (ow.mu held):
// HEADER MISMATCH for a -32020 refusal, LISTEN SUBSCRIPTION CLOSED for a
// listen stream, REQUEST LOST for each call left without a response.
func (ow *observedWriter) finishStateless(status int, clientGone bool, elapsed time.Duration) {
	e := ow.e
	if status == http.StatusBadRequest {
		if code, msg := jsonRPCError(ow.errBody.Bytes()); code == codeHeaderMismatch {
			e.log.Mark(ow.ctx, markers.HeaderMismatch, "%s; arrived: %s (a proxy in the path may strip or rewrite custom headers, field failure 41)", msg, ow.mcpHeaders)
		}
	}
	since := time.Since(ow.lastWrite).Round(time.Millisecond)
	why := "the server ended it"
	switch {
	case ow.cutReason() != "":
		why = ow.cutReason()
	case clientGone:
		why = fmt.Sprintf("the connection closed (the client, or a proxy in the path) %s after the last bytes", since)
	}
	if ow.listenID != "" && !ow.listenOpened.IsZero() {
		e.log.Mark(ow.ctx, markers.ListenSubscriptionClosed, "id=%s, Reason: %s; open %s, %d notifications delivered",
			logValue(strings.Trim(ow.listenID, `"`)), why, time.Since(ow.listenOpened).Round(time.Millisecond), ow.listenDelivered)
	}
	if status >= 300 || (!ow.sse && ow.writes > 0) {
		return // refused, or a JSON body that held every response
	}
	ids := make([]string, 0, len(ow.pending))
	for id := range ow.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		call := ow.pending[id]
		if call.msg.Method == methodListen {
			continue // a listen stream never answers: it ends
		}
		e.lost.add(ow.lostClient, call.fingerprint, call.msg.idText())
		e.log.Mark(ow.ctx, markers.RequestLost, "method=%s, id=%s: the stream ended before its response (%s, after %s); 2026-07-28 has no resumption, the client must re-issue it",
			logValue(call.msg.Method), logValue(call.msg.idText()), why, elapsed)
	}
}

// ackedNotifications describes what an acknowledged subscription covers.
func ackedNotifications(params json.RawMessage) string {
	var p struct {
		Notifications map[string]json.RawMessage `json:"notifications"`
	}
	json.Unmarshal(params, &p)
	var on []string
	for k, v := range p.Notifications {
		if string(v) != "false" && string(v) != "[]" && string(v) != "null" {
			on = append(on, k)
		}
	}
	if len(on) == 0 {
		return "none"
	}
	slices.Sort(on)
	return strings.Join(on, ", ")
}

// metaClientInfo returns "name/version" of a request's `_meta` clientInfo.
func (m wireMessage) metaClientInfo() string {
	var p struct {
		Meta struct {
			ClientInfo struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"io.modelcontextprotocol/clientInfo"`
		} `json:"_meta"`
	}
	json.Unmarshal(m.Params, &p)
	if p.Meta.ClientInfo.Name == "" {
		return "(no clientInfo)"
	}
	return logValue(p.Meta.ClientInfo.Name + "/" + p.Meta.ClientInfo.Version)
}

// jsonRPCError returns the code and message of a JSON-RPC error body.
func jsonRPCError(body []byte) (int, string) {
	var m struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil {
		return 0, ""
	}
	return m.Error.Code, m.Error.Message
}

// describeMCPHeaders lists the routing headers a 2026-07-28 request
// carried, as they arrived.
func describeMCPHeaders(h http.Header) string {
	var parts []string
	for _, k := range []string{"Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name"} {
		if v := h.Get(k); v != "" {
			parts = append(parts, k+": "+logValue(v))
		} else {
			parts = append(parts, k+" missing")
		}
	}
	return strings.Join(parts, ", ")
}

// callFingerprint identifies a call across re-issues: its method and its
// params without `_meta` (which carries per-request fields), in canonical
// JSON. The id is not part of it: a re-issued request has a new one.
func callFingerprint(m wireMessage) string {
	var params map[string]any
	if json.Unmarshal(m.Params, &params) != nil {
		return m.Method + " " + string(m.Params)
	}
	delete(params, "_meta")
	b, _ := json.Marshal(params) // map keys marshal sorted
	return m.Method + " " + string(b)
}

// lostRequests remembers the calls broken streams lost, for REQUEST
// REISSUED: per OAuth client (a re-issue comes with the same token), for
// lostRequestTTL, at most lostRequestMax of them.
type lostRequests struct {
	mu sync.Mutex
	m  map[string]lostRequest // client + fingerprint
}

type lostRequest struct {
	id string
	at time.Time
}

const (
	lostRequestTTL = 10 * time.Minute
	lostRequestMax = 1024
)

func (l *lostRequests) add(client, fingerprint, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= lostRequestMax {
		l.m = map[string]lostRequest{}
	}
	l.m[client+"\x00"+fingerprint] = lostRequest{id: id, at: time.Now()}
}

// take returns and forgets the lost request fingerprint repeats.
func (l *lostRequests) take(client, fingerprint string) (lostRequest, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := client + "\x00" + fingerprint
	lr, ok := l.m[key]
	if !ok {
		return lostRequest{}, false
	}
	delete(l.m, key)
	return lr, time.Since(lr.at) < lostRequestTTL
}
