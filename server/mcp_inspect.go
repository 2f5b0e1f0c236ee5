package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mcpvcr/mcpvcr/markers"
)

// maxBodyBytes bounds an MCP POST body; more is refused with 413 before
// go-sdk sees it. go-sdk's own default is the same 4 MiB.
const maxBodyBytes = 4 << 20

// JSON-RPC error codes the inspect layer answers with.
const (
	jsonRPCParseError     = -32700
	jsonRPCInvalidRequest = -32600
)

// inspect sits after the bearer check. It reads a POST body once, logs what
// it holds (REQUEST BODY, REQUEST PARSED, INITIALIZE DETECTED, PROCESSING
// REQUEST) and refuses what go-sdk would refuse without a JSON-RPC answer:
// an oversized body (413), an empty body and malformed JSON (400, parse
// error). The faults act here first: a fault's handler may take the request
// over, or a fault refuse it, and a fault may wrap the writer.
func (e *mcpEndpoints) inspect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ow := observedWriterFrom(r.Context())
		ctx := r.Context()
		if id := r.Header.Get("Last-Event-ID"); id != "" && r.Method == http.MethodGet {
			e.log.Mark(ctx, markers.StreamResumed, "Last-Event-ID: %s", id)
		}
		if serve := e.faults.handler(e, r); serve != nil {
			if ow != nil {
				ow.replaced = true
			}
			serve(w, r)
			return
		}
		if e.faults.refuse(e, w, r) {
			return
		}
		var msgs []wireMessage  // a POST's messages: they may announce the era
		var calls []wireMessage // the requests among them (id and method)
		if r.Method == http.MethodPost {
			body, parsed, ok := e.readMessages(w, r, parseWireMessages)
			if !ok {
				return
			}
			if len(body) == 0 {
				// A JSON-RPC error the client can show, rather than
				// go-sdk's text/plain 400: the usual cause is a tunnel
				// that dropped the body (field failures 7, 8).
				refuseJSONRPC(w, http.StatusBadRequest, jsonRPCParseError, "Parse error: empty request body (0 bytes arrived; a proxy or tunnel in the path may have dropped it)")
				return
			}
			msgs = parsed
			for _, m := range msgs {
				if m.Method != "" && len(m.ID) > 0 {
					calls = append(calls, m)
				}
			}
			for i, m := range calls {
				e.log.Mark(ctx, markers.ProcessingRequest.Nth(fmt.Sprintf("%d/%d", i+1, len(calls))), "method=%s, id=%s", logValue(m.Method), logValue(m.idText()))
			}
		}
		era := requestEra(r, msgs)
		if ow != nil {
			ow.era = era
			if era == EraStateless && r.Method == http.MethodPost {
				ow.mcpHeaders = describeMCPHeaders(r.Header)
				ow.trackStatelessCalls(r, calls)
			}
		}
		r = r.WithContext(withEra(r.Context(), era))
		e.faults.wrap(e, calls, next).ServeHTTP(w, r)
	})
}

// readMessages reads a request's body once (413 past maxBodyBytes, 400 if
// it cannot be read), logs REQUEST BODY (and a WARNING when it is empty),
// parses it with parse (400, parse error, if it fails) and logs each
// message: REQUEST PARSED, INITIALIZE DETECTED. The handler after it reads
// the same bytes again from r.Body. ok is false when it answered the
// request.
func (e *mcpEndpoints) readMessages(w http.ResponseWriter, r *http.Request, parse func([]byte) ([]wireMessage, error)) (body []byte, msgs []wireMessage, ok bool) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e.log.Mark(ctx, markers.RequestBody, "Refused after %d bytes: over the %d-byte limit", mbe.Limit, mbe.Limit)
			refuseJSONRPC(w, http.StatusRequestEntityTooLarge, jsonRPCInvalidRequest, fmt.Sprintf("Request body exceeds %d bytes", mbe.Limit))
			return nil, nil, false
		}
		e.log.Mark(ctx, markers.RequestBody, "Read failed after %d bytes: %v", len(body), err)
		refuseJSONRPC(w, http.StatusBadRequest, jsonRPCParseError, "Parse error: could not read the request body")
		return nil, nil, false
	}
	e.log.Mark(ctx, markers.RequestBody, "Received %d bytes", len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		e.log.Mark(ctx, markers.Warning, "Empty request body")
		return body, nil, true
	}
	msgs, err = parse(body)
	if err != nil {
		refuseJSONRPC(w, http.StatusBadRequest, jsonRPCParseError, "Parse error: "+err.Error())
		return nil, nil, false
	}
	ow := observedWriterFrom(ctx)
	for i, m := range msgs {
		e.log.Mark(ctx, markers.RequestParsed, "Line %d: method=%s, id=%s", i, logValue(orNone(m.Method)), logValue(m.idText()))
		if m.Method == "initialize" {
			e.log.Mark(ctx, markers.InitializeDetected, "Found initialize request")
			if ow != nil && len(m.ID) > 0 {
				ow.initializeID = string(m.ID)
			}
		}
	}
	return body, msgs, true
}

// parseWireMessages parses a JSON-RPC body: one message or a batch.
func parseWireMessages(body []byte) ([]wireMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if isBatch(trimmed) {
		var batch []wireMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, fmt.Errorf("malformed JSON-RPC batch: %w", err)
		}
		return batch, nil
	}
	var m wireMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, fmt.Errorf("malformed JSON-RPC message: %w", err)
	}
	return []wireMessage{m}, nil
}

// isBatch reports whether a trimmed JSON-RPC body is a batch (an array).
func isBatch(trimmed []byte) bool { return len(trimmed) > 0 && trimmed[0] == '[' }

// refuseJSONRPC writes a JSON-RPC error (id null) with an HTTP status.
// The observer logs it as REQUEST REFUSED with the reason.
func refuseJSONRPC(w http.ResponseWriter, status, code int, reason string) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": code, "message": reason},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
