package server

import "net/http"

// FaultGet405 refuses the GET listen stream with 405, the spec's "no
// listen stream at this endpoint", as servers behind Quick Tunnels are
// told to do (field failure 2).
const FaultGet405 Fault = "get-405"

var refuseListen405 = refuseListen(FaultGet405, http.StatusMethodNotAllowed, "refusing the listen stream", "Method Not Allowed: no listen stream (fault get-405)")

func init() {
	registerFault(FaultGet405, "get-405: refuse the GET listen stream with 405", faultHooks{refuse: refuseListen405})
}
