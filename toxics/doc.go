// Package toxics puts the path between an MCP client and its server on the
// laptop: an embedded toxiproxy (github.com/Shopify/toxiproxy/v2 v2.12.0)
// with toxics that understand HTTP/1.1 and Server-Sent Events, and named
// tunnel profiles that reproduce what Cloudflare, cloudflared, nginx and an
// AWS ALB do to a stream, each citing the field note it comes from.
//
//	client > Tunnel.Addr > request_log ─────────────> server   (upstream)
//	client < idle_cut < header_hold < sse_buffer <─── server   (downstream)
//
// A tunnel in front of a server, with Cloudflare's 100 s idle cut running as
// 100 ms:
//
//	tun, err := toxics.OpenTunnel(toxics.TunnelOptions{
//		Profile:  toxics.CloudflareQuickTunnel,
//		Upstream: "127.0.0.1:8080",
//		Scale:    0.001,
//	})
//	if err != nil { ... }
//	defer tun.Close()
//	// point the client at "http://" + tun.Addr + "/mcp"
//
// Give the server's keepalive the same factor (server.Config.TimeScale, the
// same timescale.Scale type), so the ratios between keepalive and cut stay
// those of production.
//
// Each toxic is one file, registered with toxiproxy in init, its JSON
// attributes documented in struct tags; `mcpvcr tunnel --list` prints them.
// The REST API of the embedded server is toxiproxy's own, so toxiproxy-cli
// and toxiproxy's client package drive a running tunnel. An external
// toxiproxy-server (TunnelOptions.ToxiproxyURL) runs the profiles made of
// toxiproxy's own toxics only.
package toxics
