package server

// FaultJSONOnly answers every POST with application/json, never SSE.
const FaultJSONOnly Fault = "json-only"

func init() {
	registerFault(FaultJSONOnly, faultInfo{usage: "json-only: answer POSTs with application/json, never SSE"})
}
