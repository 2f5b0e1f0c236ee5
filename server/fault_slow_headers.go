package server

// FaultSlowHeaders holds every MCP response's headers back for DUR
// (field failures 6, 14).
const FaultSlowHeaders Fault = "slow-headers"

func init() {
	registerFault(FaultSlowHeaders, faultInfo{takesDuration: true, usage: "slow-headers=DUR: hold response headers back for DUR"})
}
