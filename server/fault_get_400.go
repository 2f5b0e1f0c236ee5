package server

import (
	"net/http"

	"github.com/mcpvcr/mcpvcr/markers"
)

// FaultGet400 refuses the GET listen stream with 400 instead of 405, as
// stateless servers that never serve GET often do: the spec's "no listen
// stream here" is 405, and a client that reads 400 as a passing error
// retries in a loop (field failure 23).
const FaultGet400 Fault = "get-400"

func init() {
	registerFault(FaultGet400, faultInfo{usage: "get-400: refuse the GET listen stream with 400, not 405 (clients retry)"})
}

// refuseListen400 answers a GET listen request with 400 when get-400 is on
// and reports whether it did.
func (e *mcpEndpoints) refuseListen400(w http.ResponseWriter, r *http.Request) bool {
	if !e.faults.Has(FaultGet400) {
		return false
	}
	e.log.Mark(r.Context(), markers.FaultActive, "get-400: refusing the listen stream with 400")
	http.Error(w, "Bad Request: this server has no listen stream (fault get-400)", http.StatusBadRequest)
	return true
}
