package server

import "net/http"

// FaultGet400 refuses the GET listen stream with 400 instead of 405, as
// stateless servers that never serve GET often do: the spec's "no listen
// stream here" is 405, and a client that reads 400 as a passing error
// retries in a loop (field failure 23).
const FaultGet400 Fault = "get-400"

var refuseListen400 = refuseListen(FaultGet400, http.StatusBadRequest, "refusing the listen stream with 400", "Bad Request: this server has no listen stream (fault get-400)")

func init() {
	registerFault(FaultGet400, "get-400: refuse the GET listen stream with 400, not 405 (clients retry)", faultHooks{refuse: refuseListen400})
}
