package toxics

import "time"

// CloudflareQuickTunnel is a tunnel profile (`mcpvcr tunnel --profile cloudflare-quick-tunnel`).
const CloudflareQuickTunnel Profile = "cloudflare-quick-tunnel"

const (
	// Cloudflare's cut: 100 s on its 524 page, 120 s in its connection
	// limits table (2026), ~125 s measured (field failure 25: 120 s plus
	// the read in flight); it times reads from the origin.
	cloudflareIdle = 120 * time.Second
)

func init() {
	RegisterProfile(CloudflareQuickTunnel, ProfileInfo{
		Summary: "trycloudflare.com: GET SSE streams held until they end, headers held to the first body byte, 120 s idle cut (524)",
		// Chain order is the path: the edge holds headers, times out what
		// it has not passed on, and the Quick Tunnel buffer sits behind it,
		// so keepalive comments keep the stream alive yet never show.
		Toxics: []Spec{
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: Cloudflare's HTTP/2 edge holds headers until the first body byte"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: Cloudflare cuts a quiet connection after 120 s with 524"},
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"methods": "GET", "content_type": "text/event-stream"},
				Why: "field failure 2: Quick Tunnels buffer the GET SSE stream until it closes; POST streams flow"},
		},
	})
}
