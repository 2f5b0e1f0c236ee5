package server

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Session binding: an MCP session belongs to the OAuth client whose token
// created it. go-sdk v1.8.0 guards against session hijacking by comparing
// auth.TokenInfo.UserID with the session creator's (streamable.go
// lookupSession, 403 "session user mismatch"), but every grant here is for
// the one local user (localSubject), so a token of ANY client passed that
// check and could drive another client's session; go-sdk's legacy SSE
// handler checks nothing at all. sessionOwners closes both:
//
//	initialize (token of client A) > observer commits headers with Mcp-Session-Id S > owner[S] = A
//	request with S (token of client B) > bindSession: owner[S] != B > 403, WARNING Session hijack refused
//
// The owner is recorded when the response headers that carry the new
// session id are committed (observedWriter.commitLocked), so the binding
// exists before any client can learn the id.
type sessionOwners struct {
	mu    sync.Mutex
	m     map[string]string // session id -> owner (tokenClientID)
	count map[string]int    // owner -> live sessions
}

// maxSessionsPerGrant bounds the live MCP sessions one grant may hold:
// 3,000 initializes with one token kept 3,004 goroutines (issue 12
// Medium 6). Claude holds one or two.
const maxSessionsPerGrant = 64

// owned returns how many live sessions owner holds.
func (o *sessionOwners) owned(owner string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.count[owner]
}

// bind records clientID as the owner of sessionID unless it has one.
func (o *sessionOwners) bind(sessionID, clientID string) {
	if sessionID == "" || clientID == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m, o.count = map[string]string{}, map[string]int{}
	}
	if _, ok := o.m[sessionID]; !ok {
		o.m[sessionID] = clientID
		o.count[clientID]++
	}
}

// owner returns the client that owns sessionID.
func (o *sessionOwners) owner(sessionID string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.m[sessionID]
	return c, ok
}

// forget drops a session that has ended.
func (o *sessionOwners) forget(sessionID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if owner, ok := o.m[sessionID]; ok {
		delete(o.m, sessionID)
		if o.count[owner]--; o.count[owner] <= 0 {
			delete(o.count, owner)
		}
	}
}

// tokenClientID returns the session owner the bearer check put in the
// request's token info: the client_id and, after "#", the grant (so a
// second grant of the same public client, claude-desktop, cannot drive
// another's session), or "" (auth off).
func tokenClientID(r *http.Request) string {
	ti := auth.TokenInfoFromContext(r.Context())
	if ti == nil {
		return ""
	}
	id, _ := ti.Extra["client_id"].(string)
	if g, _ := ti.Extra["grant"].(string); g != "" {
		id += "#" + g
	}
	return id
}

// requestSessionID is the session a request names: the Mcp-Session-Id
// header (Streamable HTTP) or the sessionid query parameter (legacy SSE).
func requestSessionID(r *http.Request) string {
	if sid := r.Header.Get("Mcp-Session-Id"); sid != "" {
		return sid
	}
	if r.URL.Path == "/sse" {
		return r.URL.Query().Get("sessionid")
	}
	return ""
}

// bindSession sits after the bearer check. It tells the observer which
// client is asking (so a new session gets its owner), refuses with 403 a
// request that names a session owned by another client, and lets the
// owner's DELETE cancel the session's in-flight calls (mcp_session_calls.go).
func (e *mcpEndpoints) bindSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := requestSessionID(r)
		if clientID := tokenClientID(r); clientID != "" {
			if ow := observedWriterFrom(r.Context()); ow != nil {
				ow.mu.Lock()
				ow.clientID = clientID
				ow.mu.Unlock()
			}
			if sid == "" && r.Method == http.MethodPost && e.owners.owned(clientID) >= maxSessionsPerGrant {
				e.log.Mark(r.Context(), markers.Warning, "Session limit: client_id=%s holds %d sessions, the most one grant may; refusing a new one", logValue(clientID), maxSessionsPerGrant)
				http.Error(w, fmt.Sprintf("Too Many Requests: this grant holds %d MCP sessions, the most allowed; DELETE one or let it idle out", maxSessionsPerGrant), http.StatusTooManyRequests)
				return
			}
			if owner, ok := e.owners.owner(sid); sid != "" && ok && owner != clientID {
				e.log.Mark(r.Context(), markers.Warning, "Session hijack refused: session %s belongs to client_id=%s; the token is client_id=%s", logValue(sid), owner, logValue(clientID))
				http.Error(w, fmt.Sprintf("Forbidden: session belongs to another client (client_id %q)", clientID), http.StatusForbidden)
				return
			}
		}
		if r.Method == http.MethodDelete && sid != "" {
			if n := e.calls.cancel(sid, errSessionDeleted); n > 0 {
				e.log.Mark(r.Context(), markers.Warning, "DELETE cancels %d in-flight call(s) of the session", n)
			}
		}
		next.ServeHTTP(w, r)
	})
}
