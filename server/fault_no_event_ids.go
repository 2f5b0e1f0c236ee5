package server

import "github.com/modelcontextprotocol/go-sdk/mcp"

// FaultNoEventIDs runs the streams without an event store: no priming
// event, no SSE ids, so a client that lost a stream has nothing to resume
// from with Last-Event-ID (field failure 33).
const FaultNoEventIDs Fault = "no-event-ids"

func init() {
	registerFault(FaultNoEventIDs, faultInfo{usage: "no-event-ids: no SSE ids on streams (nothing to resume a lost stream from)"})
}

// eventStoreFor is the state's event store, or none under no-event-ids.
func eventStoreFor(faults Faults, state SessionState) mcp.EventStore {
	if faults.Has(FaultNoEventIDs) {
		return nil
	}
	return state.EventStore()
}
