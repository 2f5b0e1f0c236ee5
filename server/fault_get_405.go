package server

// FaultGet405 refuses the GET listen stream with 405, as servers behind
// Quick Tunnels are told to do (field failure 2).
const FaultGet405 Fault = "get-405"

func init() {
	registerFault(FaultGet405, faultInfo{usage: "get-405: refuse the GET listen stream with 405"})
}
