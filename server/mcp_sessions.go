package server

import (
	"crypto/rand"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SessionState is the one seam for MCP session state that outlives a single
// HTTP request: the ids of new sessions and the events kept for resumption
// (Last-Event-ID). The in-memory implementation serves one process; a later
// issue moves it into Redis so several replicas can serve one session
// (field failure 16).
//
// go-sdk v1.8.0 keeps the live session objects (the jsonrpc2 connection and
// its handlers) in the StreamableHTTPHandler's own map; only what goes through
// this interface can be shared between processes.
type SessionState interface {
	// NewSessionID returns the Mcp-Session-Id of a new session.
	NewSessionID() string
	// EventStore keeps each stream's events so a client that lost a stream
	// can resume it with Last-Event-ID.
	EventStore() mcp.EventStore
}

// NewMemorySessionState returns session state held in this process, with
// go-sdk's MemoryEventStore (bounded, oldest events dropped first).
func NewMemorySessionState() SessionState {
	return &memorySessionState{events: mcp.NewMemoryEventStore(nil)}
}

type memorySessionState struct {
	events *mcp.MemoryEventStore
}

func (m *memorySessionState) NewSessionID() string       { return rand.Text() }
func (m *memorySessionState) EventStore() mcp.EventStore { return m.events }
