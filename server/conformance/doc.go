// Package conformance is the tool set the official conformance suite
// (@modelcontextprotocol/conformance) calls: the tools, resources and
// prompts of go-sdk's reference everything-server, ported from
// conformance/everything-server@v1.8.0. `mcpvcr serve --tools conformance`
// (server.Config.Tools = server.ToolsConformance) serves it:
//
//	s := conformance.NewServer(nil) // a *mcp.Server; give it a transport
package conformance
