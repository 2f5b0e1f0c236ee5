package server

import "github.com/modelcontextprotocol/go-sdk/mcp"

// FaultJSONOnly answers every POST with application/json, never SSE.
const FaultJSONOnly Fault = "json-only"

func init() {
	registerFault(FaultJSONOnly, "json-only: answer POSTs with application/json, never SSE", faultHooks{streamable: answerJSON})
}

// answerJSON has go-sdk answer each POST with one JSON body.
func answerJSON(_ *mcpEndpoints, o *mcp.StreamableHTTPOptions) { o.JSONResponse = true }
