package server

import "net/http"

// FaultSession400 answers an unknown session with 400 instead of 404, so
// clients do not re-initialize (field failure 17).
const FaultSession400 Fault = "session-400"

func init() {
	registerFault(FaultSession400, "session-400: 400 instead of 404 for an unknown session", faultHooks{head: unknownSession400})
}

// unknownSession400 turns go-sdk's 404 for an unknown /mcp session into 400.
func unknownSession400(ow *observedWriter, code int) int {
	if code != http.StatusNotFound || ow.path != "/mcp" {
		return code
	}
	ow.e.markFault(ow.ctx, FaultSession400, "answering 400 where the session is unknown (correct: 404)")
	return http.StatusBadRequest
}
