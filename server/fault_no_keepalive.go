package server

// FaultNoKeepalive sends no SSE comments at all, not even the one right
// after the headers (field failure 5 and 13).
const FaultNoKeepalive Fault = "no-keepalive"

func init() {
	registerFault(FaultNoKeepalive, faultInfo{usage: "no-keepalive: no SSE comments, not even after the headers"})
}
