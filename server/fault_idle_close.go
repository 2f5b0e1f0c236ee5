package server

// FaultIdleClose closes any SSE stream that has written nothing for DUR,
// as Cloudflare cuts a quiet connection (field failure 11).
const FaultIdleClose Fault = "idle-close"

func init() {
	registerFault(FaultIdleClose, faultInfo{takesDuration: true, usage: "idle-close=DUR: close any SSE stream idle for DUR"})
}
