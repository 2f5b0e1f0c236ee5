package server

import (
	"bytes"
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
	registerFault(FaultSeed, "seed: the seed's FastAPI handler on POST /mcp (closes the stream after 0.1 s)", faultHooks{handler: seedHandler})
}

// seedHandler takes POST and GET /mcp over: the seed's handler served both.
func seedHandler(e *mcpEndpoints, r *http.Request) http.HandlerFunc {
	if r.URL.Path != "/mcp" || (r.Method != http.MethodPost && r.Method != http.MethodGet) {
		return nil
	}
	return e.serveSeed
}

// seedWait is how long the seed's handler waited for more requests before
// closing the stream ("The stream waits 0.1 seconds for responses, sees no
// requests to process, and closes"). It is scaled by Config.TimeScale.
const seedWait = 100 * time.Millisecond

// serveSeed is the seed's FastAPI handler for /mcp (fault "seed"), ported
// faithfully, bug included: it opens an SSE stream, sends a priming event
// and an `endpoint` event, answers the JSON-RPC messages that came in the
// request body, waits 0.1 s for more and closes, although the MCP spec
// requires the stream to stay open. With an empty body (what the seed saw
// through the tunnel) it prints the seed's "Failed Flow"; with initialize in
// the body, its "Successful Flow".
//
// It reads and logs the body as the seed did, with inspect's readMessages
// (REQUEST BODY, then REQUEST PARSED and INITIALIZE DETECTED; an empty
// body, as every GET's, is only a WARNING); the SSE markers come from the
// observer, as the bytes go out.
func (e *mcpEndpoints) serveSeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_, msgs, ok := e.readMessages(w, r, parseSeedBody)
	if !ok {
		return
	}

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

// parseSeedBody parses a body as the seed's handler did: one JSON-RPC
// message or a batch, else newline-delimited JSON ("Line 0: ...").
func parseSeedBody(body []byte) ([]wireMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if msgs, err := parseWireMessages(trimmed); err == nil || isBatch(trimmed) {
		return msgs, err
	}
	var out []wireMessage
	for i, line := range bytes.Split(trimmed, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m wireMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("line %d: malformed JSON-RPC message: %w", i, err)
		}
		out = append(out, m)
	}
	return out, nil
}
