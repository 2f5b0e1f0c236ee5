package server

import (
	"context"
	"errors"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// errSessionDeleted is the cancel cause of a call whose session a DELETE
// ended.
var errSessionDeleted = errors.New("session deleted by the client")

// sessionCalls tracks the in-flight calls of each MCP session so a DELETE
// can cancel them. go-sdk v1.8.0 closes a deleted session by waiting for
// its active requests to finish (jsonrpc2 Connection.Close) without
// cancelling them, so a DELETE sent during a 5-minute tool call hung for 5
// minutes (found by FuzzMCPRequest). The DELETE cancels them first:
//
//	DELETE (owner checked) > calls.cancel(sid) > each call's ctx done > go-sdk's Close returns > 204
type sessionCalls struct {
	mu sync.Mutex
	m  map[string]map[*context.CancelCauseFunc]struct{}
}

// add registers cancel under sessionID; the caller must call the returned
// func when the call returns.
func (c *sessionCalls) add(sessionID string, cancel context.CancelCauseFunc) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]map[*context.CancelCauseFunc]struct{}{}
	}
	if c.m[sessionID] == nil {
		c.m[sessionID] = map[*context.CancelCauseFunc]struct{}{}
	}
	key := &cancel
	c.m[sessionID][key] = struct{}{}
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.m[sessionID], key)
		if len(c.m[sessionID]) == 0 {
			delete(c.m, sessionID)
		}
	}
}

// cancel cancels every in-flight call of sessionID and returns how many.
func (c *sessionCalls) cancel(sessionID string, cause error) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for key := range c.m[sessionID] {
		(*key)(cause)
		n++
	}
	return n
}

// cancelOnDeleteMiddleware gives each incoming call a context that a
// DELETE of its session cancels.
func (e *mcpEndpoints) cancelOnDeleteMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ss, ok := req.GetSession().(*mcp.ServerSession)
		if !ok || ss.ID() == "" {
			return next(ctx, method, req)
		}
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		done := e.calls.add(ss.ID(), cancel)
		defer done()
		return next(ctx, method, req)
	}
}
