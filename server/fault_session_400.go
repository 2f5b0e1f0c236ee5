package server

// FaultSession400 answers an unknown session with 400 instead of 404, so
// clients do not re-initialize (field failure 17).
const FaultSession400 Fault = "session-400"

func init() {
	registerFault(FaultSession400, faultInfo{usage: "session-400: 400 instead of 404 for an unknown session"})
}
