package toxics

// CloudflareNamedTunnel is a tunnel profile (`mcpvcr tunnel --profile cloudflare-named-tunnel`).
const CloudflareNamedTunnel Profile = "cloudflare-named-tunnel"

func init() {
	RegisterProfile(CloudflareNamedTunnel, ProfileInfo{
		Summary: "cloudflared named tunnel (HTTP/2 to the edge): bodies re-framed chunked, headers held, 120 s idle cut",
		Toxics: []Spec{
			{Type: BodyDropType, Stream: Upstream, Attrs: Attrs{"shape": string(ShapeChunked)},
				Why: "field failure 8: cloudflared sends HTTP/2 requests chunked with no Content-Length"},
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: HTTP/2 edge holds headers until the first body byte"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: 120 s idle cut with 524"},
		},
	})
}
