package server

import "github.com/modelcontextprotocol/go-sdk/mcp"

// FaultNoEventIDs runs the streams without an event store: no priming
// event, no SSE ids, so a client that lost a stream has nothing to resume
// from with Last-Event-ID (field failure 33).
const FaultNoEventIDs Fault = "no-event-ids"

func init() {
	registerFault(FaultNoEventIDs, "no-event-ids: no SSE ids on streams (nothing to resume a lost stream from)", faultHooks{streamable: noEventStore})
}

// noEventStore leaves go-sdk without the state's event store.
func noEventStore(_ *mcpEndpoints, o *mcp.StreamableHTTPOptions) { o.EventStore = nil }
