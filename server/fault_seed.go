package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// FaultSeed replaces POST /mcp with the seed's FastAPI handler: it opens
// an SSE stream, sends a priming and an endpoint event, answers the
// JSON-RPC messages in the POST body, waits 0.1 s (scaled) and closes.
const FaultSeed Fault = "seed"

func init() {
	registerFault(FaultSeed, faultInfo{usage: "seed: the seed's FastAPI handler on POST /mcp (closes the stream after 0.1 s)"})
}

// seedWait is how long the seed's handler waited for more requests before
// closing the stream ("The stream waits 0.1 seconds for responses, sees no
// requests to process, and closes"). It is scaled by Config.TimeScale.
const seedWait = 100 * time.Millisecond

type seedMessagesKey struct{}

func withSeedMessages(ctx context.Context, msgs []wireMessage) context.Context {
	return context.WithValue(ctx, seedMessagesKey{}, msgs)
}

// serveSeed is the seed's FastAPI handler for /mcp (fault "seed"), ported
// faithfully, bug included: it opens an SSE stream, sends a priming event
// and an `endpoint` event, answers the JSON-RPC messages that came in the
// request body, waits 0.1 s for more and closes, although the MCP spec
// requires the stream to stay open. With an empty body (what the seed saw
// through the tunnel) it prints the seed's "Failed Flow"; with initialize in
// the body, its "Successful Flow".
//
// The markers before it (REQUEST BODY, REQUEST PARSED, INITIALIZE DETECTED)
// come from inspect, the SSE ones from the observer, as the bytes go out;
// this handler logs only what the seed's own code said.
func (e *mcpEndpoints) serveSeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	msgs, _ := ctx.Value(seedMessagesKey{}).([]wireMessage)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := func() { _ = http.NewResponseController(w).Flush() }

	fmt.Fprint(w, "id: 0\ndata: \n\n") // priming event
	flush()
	fmt.Fprint(w, "event: endpoint\ndata: /mcp\n\n")
	flush()

	if len(msgs) == 0 {
		e.log.Mark(ctx, markers.NoInitialRequests, "No requests in body to process")
	}
	eventID := 2
	for i, m := range msgs {
		e.log.Mark(ctx, markers.ProcessingRequest.Nth(fmt.Sprintf("%d/%d", i+1, len(msgs))), "method=%s, id=%s", orNone(m.Method), m.idText())
		if len(m.ID) == 0 {
			continue // a notification: nothing to answer
		}
		var sessionID string
		result := any(map[string]any{})
		var rpcErr any
		switch m.Method {
		case "initialize":
			sessionID = rand.Text()
			result = map[string]any{
				"protocolVersion": "2025-06-18",
				"capabilities":    map[string]any{"tools": map[string]any{}},
				"serverInfo":      map[string]any{"name": "mcpvcr-seed", "version": "0.0.0"},
			}
		case "ping":
		default:
			result = nil
			rpcErr = map[string]any{"code": -32601, "message": "Method not found: " + m.Method}
		}
		resp := map[string]any{"jsonrpc": "2.0", "id": m.ID}
		if rpcErr != nil {
			resp["error"] = rpcErr
		} else {
			resp["result"] = result
		}
		data, _ := json.Marshal(resp)
		fmt.Fprintf(w, "id: %d\nevent: message\ndata: %s\n\n", eventID, data)
		flush()
		eventID++
		if sessionID != "" {
			if sc := ScopeFrom(ctx); sc != nil {
				sc.SetSessionID(sessionID)
			}
			e.log.Mark(ctx, markers.SessionCreated, "New session ID: %s", sessionID)
		}
	}

	t := time.NewTimer(e.scaled(seedWait))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	if ow := observedWriterFrom(ctx); ow != nil {
		ow.markClosing()
	}
	e.log.Mark(ctx, markers.StreamClosing, "Processing complete, no more requests")
	e.log.Mark(ctx, markers.Critical, "MCP spec requires stream to stay open")
}
