// Package loadgen drives many concurrent MCP sessions against one server
// through OAuth (DCR, PKCE, token), initialize, a listen stream and tool
// calls, the way a fleet of connectors would, and reports errors, lost
// listen-stream events, latency per step and memory. `mcpvcr load` is
// flags around Run:
//
//	rep, err := loadgen.Run(ctx, loadgen.Options{URL: "http://127.0.0.1:8080", Sessions: 50})
//	if err != nil { ... }
//	rep.WriteText(os.Stdout)
//	if !rep.OK() { ... } // errors or lost events
//
// It is its own package so the harness does not need go-sdk.
package loadgen
